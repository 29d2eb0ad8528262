import { INTERVAL, useAgentHarness } from './testing/agent-harness';

describe('NodeAgent', () => {
  const t = useAgentHarness();
  const { started, advance, lastBeat } = t;

  describe('assignment watch', () => {
    it('starts a pod pushed through the watch without waiting for the next heartbeat', async () => {
      await started({ watchAssignments: true, containerStartDelayMs: 50 });
      expect(t.api.beats).toHaveLength(1);
      expect(t.api.watches).toHaveLength(1);
      expect(t.api.watches[0].body.pods_version).toBe(1);
      t.api.push([
        {
          id: 7,
          name: 'fast',
          ip: '10.244.1.2',
          cpu_cores_req: 0.5,
          memory_mb_req: 64,
          restart_count: 0,
          containers: [
            { name: 'c', image: 'x', cpu_req: 0.5, memory_req: 64, command: [], args: [] },
          ],
          volumes: [],
          config: [],
        },
      ]);
      await advance(50); // creating → running, far inside the 1 s interval
      // the agent reports the running pod at once, and watches again from the new version
      expect(t.api.beats).toHaveLength(2);
      expect(t.api.beats[1].at).toBe(50);
      expect(lastBeat().pods?.[0]).toMatchObject({ id: 7, status: 'running' });
      expect(t.api.watches.at(-1)?.body.pods_version).toBe(2);
    });

    it('keeps no watch open while partitioned, and none unless asked', async () => {
      await started({ watchAssignments: true });
      t.agent.partition();
      await advance(10);
      t.api.push([]);
      await advance(INTERVAL * 3);
      expect(t.api.watches).toHaveLength(0);
      await t.agent.stop();
      await started();
      await advance(INTERVAL);
      expect(t.api.watches).toHaveLength(0);
    });
  });
});
