import fc from 'fast-check';
import { BatchDecisions } from './batch-decisions';
import { decideAndExplain, ExplainLimits } from './explain';
import { nodeView } from './testing/node-view';
import { PodRequest, SCHEDULER_ALGORITHMS, Taint } from './types';

const gpuTaint: Taint[] = [{ key: 'gpu', value: 'yes', effect: 'NoSchedule' }];

/** Nodes of three sizes, some full, some not ready, cordoned or tainted. */
const arbNode = fc.record({
  cpuTotalM: fc.constantFrom(1000, 2000, 4000),
  // many alike: ties between nodes are where ranks are easiest to get wrong
  cpuAllocatedM: fc.constantFrom(0, 0, 0, 250, 500, 1000, 3000),
  memoryTotalMb: fc.option(fc.constantFrom(1024, 4096), { nil: null }),
  memoryAllocatedMb: fc.constantFrom(0, 0, 512, 2048),
  healthStatus: fc.constantFrom('healthy', 'healthy', 'healthy', 'failed'),
  cordoned: fc.constantFrom(false, false, false, true),
  tainted: fc.constantFrom(false, false, false, true),
  zone: fc.constantFrom('a', 'b'),
});

/** A few pod shapes, so that a batch holds runs of pods alike and pods that differ. */
const shapes: PodRequest[] = [
  { cpuM: 250, memoryMb: 128 },
  { cpuM: 500, memoryMb: 0 },
  { cpuM: 250, memoryMb: 128, constraints: { nodeSelector: { zone: 'a' } } },
  {
    cpuM: 100,
    memoryMb: 64,
    constraints: { tolerations: [{ key: 'gpu', operator: 'Exists', effect: 'NoSchedule' }] },
  },
];

describe('BatchDecisions', () => {
  it('decides every pod of a batch exactly as a full pass over the nodes would', () => {
    fc.assert(
      fc.property(
        fc.array(arbNode, { minLength: 1, maxLength: 50 }),
        fc.array(
          fc.record({
            shape: fc.integer({ min: 0, max: shapes.length - 1 }),
            algorithm: fc.constantFrom(...SCHEDULER_ALGORITHMS),
            // runs of the same pod, as a Deployment's replicas arrive
            times: fc.integer({ min: 1, max: 40 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.record({
          // mostly clusters larger than their detailed explanations
          detailNodes: fc.constantFrom(0, 0, 5, 100),
          topK: fc.integer({ min: 1, max: 5 }),
        }),
        fc.integer({ min: 0, max: 4 }),
        (specs, runs, limits: ExplainLimits, depth) => {
          const nodes = specs.map((s, i) =>
            nodeView(
              i + 1,
              {
                cpuTotalM: s.cpuTotalM,
                cpuAllocatedM: Math.min(s.cpuAllocatedM, s.cpuTotalM),
                memoryTotalMb: s.memoryTotalMb,
                memoryAllocatedMb:
                  s.memoryTotalMb === null ? 0 : Math.min(s.memoryAllocatedMb, s.memoryTotalMb),
                healthStatus: s.healthStatus,
                cordoned: s.cordoned,
                labels: { zone: s.zone },
              },
              s.tainted ? gpuTaint : [],
            ),
          );
          const decisions = new BatchDecisions(nodes, limits, depth);
          let lastChosen: number | null = null;
          for (const run of runs) {
            for (let i = 0; i < run.times; i++) {
              const pod = shapes[run.shape];
              const expected = decideAndExplain(run.algorithm, pod, nodes, lastChosen, limits);
              const got = decisions.decide(run.algorithm, pod, lastChosen);
              expect(got.best).toBe(expected.best);
              expect(got.explanation).toEqual(expected.explanation);
              if (!got.best) continue;
              // the caller counts the placement in the snapshot, as the group commit does
              got.best.cpuAllocatedM += pod.cpuM;
              got.best.memoryAllocatedMb += pod.memoryMb;
              if (run.algorithm === 'round-robin') lastChosen = got.best.id;
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fills a large cluster with pods alike in few passes over it', () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => nodeView(i + 1, { cpuTotalM: 1000 }));
    const pod = { cpuM: 300, memoryMb: 0 };
    let reads = 0;
    const counted = nodes.map(
      (n) =>
        new Proxy(n, {
          get(target, key, receiver) {
            if (key === 'healthStatus') reads++;
            return Reflect.get(target, key, receiver);
          },
        }),
    );
    const proxied = new BatchDecisions(counted);
    for (let i = 0; i < 64; i++) {
      const b = proxied.decide('best-fit', pod).best!;
      b.cpuAllocatedM += pod.cpuM;
      // best-fit fills one node before the next: three pods a node
      expect(b.id).toBe(Math.floor(i / 3) + 1);
    }
    // one pass over the 2,000 nodes, then only the node that took the pod before
    expect(reads).toBeLessThan(2 * nodes.length);
  });

  it('ranks a node that fell below the nodes not kept after them (worst-fit, nodes alike)', () => {
    const nodes = Array.from({ length: 20 }, (_, i) => nodeView(i + 1, {}));
    const limits = { detailNodes: 0, topK: 2 };
    const d = new BatchDecisions(nodes, limits, 1);
    const pod = { cpuM: 100, memoryMb: 0 };
    const got: number[] = [];
    for (let i = 0; i < 10; i++) {
      const expected = decideAndExplain('worst-fit', pod, nodes, null, limits);
      const b = d.decide('worst-fit', pod).best!;
      expect(b).toBe(expected.best);
      got.push(b.id);
      b.cpuAllocatedM += pod.cpuM;
    }
    // worst-fit spreads pods alike over nodes alike, one each
    expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
