import { simulatedCpuUsage } from './pod-report';
import { podAssignment } from './testing/fakes';
import { useAgentHarness } from './testing/agent-harness';

describe('simulated use', () => {
  it.each([
    // cpu_req, random, use = cpu_req × (0.8 + 0.4 × random)
    [0.5, 0, 0.4],
    [0.5, 0.5, 0.5],
    [0.5, 1, 0.6],
    [2, 0.25, 1.8],
    [0, 1, 0],
  ])('a container asking %f cores with random %f uses %f', (cpuReq, random, use) => {
    expect(simulatedCpuUsage(cpuReq, () => random)).toBeCloseTo(use, 10);
  });
});

describe('NodeAgent', () => {
  const t = useAgentHarness();
  const { started, advance, lastBeat } = t;

  describe('simulated use', () => {
    it('simulates CPU around the requests, never more than the node has, never less than 0 cores free', async () => {
      t.random = 1; // every container at 120% of its request
      t.api.pods = [1, 2, 3, 4].map((id) => podAssignment(id)); // 4 × 0.5 requested on 2 cores
      await started();
      await advance(50);
      // each pod 0.3 × 1.2 + 0.2 × 1.2 = 0.6; four pods 2.4 > 2 cores: capped at the node's 2
      expect(lastBeat().cpu_usage).toBe(2);
      expect(lastBeat().cpu_cores_avail).toBe(0);
    });

    it('uses what kubesim.io/cpu-usage and memory-usage ask, shared by request', async () => {
      t.api.pods = [
        podAssignment(1, {
          annotations: { 'kubesim.io/cpu-usage': '900m', 'kubesim.io/memory-usage': '300Mi' },
        }),
      ];
      await started();
      await advance(50);
      const pod = lastBeat().pods?.find((p) => p.id === 1);
      // 0.9 cores over requests 0.3 : 0.2 → 0.54 and 0.36; 300 MiB over 32 : 32 → 150 each
      expect(pod?.containers.map((c) => [c.cpu_usage, c.memory_usage])).toEqual([
        [0.54, 150],
        [0.36, 150],
      ]);
      expect(lastBeat().cpu_usage).toBe(0.9);
      expect(lastBeat().memory_usage).toBe(300);
    });

    it('follows a usage wave from its low end, then a changed annotation', async () => {
      const wave = { 'kubesim.io/cpu-usage': '100m..500m/4s' };
      t.api.pods = [podAssignment(1, { annotations: wave })];
      await started();
      await advance(50); // running, just past its start: about the low end
      expect(lastBeat().cpu_usage).toBeCloseTo(0.1, 2);
      await advance(2500);
      // each beat reports the wave at its own time: 0.1 + 0.4 × (1 − cos(2π t / 4 s)) / 2
      const at = t.api.beats[t.api.beats.length - 1].at;
      expect(at).toBeGreaterThan(1000);
      expect(lastBeat().cpu_usage).toBeCloseTo(
        0.1 + (0.4 * (1 - Math.cos((2 * Math.PI * at) / 4000))) / 2,
        2, // reported to the millicore
      );
      t.api.push([podAssignment(1, { annotations: { 'kubesim.io/cpu-usage': '2' } })]);
      await advance(2000); // the beat that brings it, and the one after
      expect(lastBeat().cpu_usage).toBe(2);
    });
  });
});
