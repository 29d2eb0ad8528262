import { PodAssignmentDto } from './dto/node-response.dto';
import { NodePods, PodEntry } from './node-pods-cache';
import { ANSWER_BUDGET_BYTES, buildPodsAnswer } from './pods-answer';

const MiB = 1024 * 1024;

function entry(id: number, specVersion: number, bytes = 1000): PodEntry {
  return {
    id,
    name: `p${id}`,
    specVersion,
    assignment: { id, name: `p${id}` } as PodAssignmentDto,
    bytes,
  };
}

const ids = (pods: PodAssignmentDto[]) => pods.map((p) => p.id);

describe('buildPodsAnswer', () => {
  const node: NodePods = { version: 7, entries: [entry(1, 2), entry(2, 5), entry(3, 7)] };

  it('gives an agent without a version (an older release) every pod', () => {
    expect(buildPodsAnswer(node, undefined, [1, 2, 3])).toEqual({
      pods: node.entries.map((e) => e.assignment),
      pod_ids: [1, 2, 3],
      pods_version: 7,
    });
  });

  it('gives an agent at the current version no spec, and every id', () => {
    expect(buildPodsAnswer(node, 7, [1, 2, 3])).toEqual({
      pods: [],
      pod_ids: [1, 2, 3],
      pods_version: 7,
    });
  });

  it('sends the pods changed since the agent’s version, and those it does not hold', () => {
    expect(ids(buildPodsAnswer(node, 5, [1, 2, 3]).pods)).toEqual([3]);
    expect(ids(buildPodsAnswer(node, 5, [2, 3]).pods)).toEqual([1, 3]);
    expect(ids(buildPodsAnswer(node, 0, []).pods)).toEqual([1, 2, 3]);
  });

  it('treats a version from the future as none', () => {
    expect(ids(buildPodsAnswer(node, 99, [1, 2, 3]).pods)).toEqual([1, 2, 3]);
  });

  it('leaves undeliverable pods out of the specs and the ids', () => {
    const withBad: NodePods = {
      version: 7,
      entries: [entry(1, 2), { ...entry(2, 5), assignment: null, bytes: 0 }],
    };
    expect(buildPodsAnswer(withBad, 0, [])).toMatchObject({ pod_ids: [1], pods: [{ id: 1 }] });
    expect(buildPodsAnswer(withBad, undefined, [])).toMatchObject({ pod_ids: [1] });
  });

  it('stops at the budget, oldest change first, and names the version before the first left out', () => {
    const big: NodePods = {
      version: 20,
      entries: [
        entry(1, 11, 2 * MiB),
        entry(2, 12, 2 * MiB),
        entry(3, 13, 2 * MiB),
        entry(4, 20, MiB),
      ],
    };
    const first = buildPodsAnswer(big, 10, []);
    expect(ids(first.pods)).toEqual([1, 2]);
    expect(first.pods_version).toBe(12);
    const second = buildPodsAnswer(big, first.pods_version, [1, 2]);
    expect(ids(second.pods)).toEqual([3, 4]);
    expect(second.pods_version).toBe(20);
    // one pod larger than the budget still goes, alone
    const huge: NodePods = {
      version: 3,
      entries: [entry(1, 2, ANSWER_BUDGET_BYTES + 1), entry(2, 3)],
    };
    expect(buildPodsAnswer(huge, 0, [])).toMatchObject({ pods: [{ id: 1 }], pods_version: 2 });
  });

  it('sends a pod the agent lacks even when its change is older than the agent’s version', () => {
    const big: NodePods = { version: 9, entries: [entry(1, 1, 3 * MiB), entry(2, 8, 3 * MiB)] };
    const answer = buildPodsAnswer(big, 5, []);
    expect(ids(answer.pods)).toEqual([1]);
    // the change left out (version 8) is still to come: the agent holds 7 at most
    expect(answer.pods_version).toBe(7);
  });
});
