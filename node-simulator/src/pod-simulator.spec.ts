import { podAssignment } from './testing/fakes';
import { INTERVAL, useAgentHarness } from './testing/agent-harness';

describe('NodeAgent', () => {
  const t = useAgentHarness();
  const { started, advance, settle, lastBeat, beatTimes } = t;

  describe('container lifecycle', () => {
    const job = (id: number, command: string[], overrides = {}) =>
      podAssignment(id, {
        containers: [
          { name: 'job', image: 'busybox', cpu_req: 0.1, memory_req: 8, command, args: [] },
        ],
        ...overrides,
      });
    const reported = (id: number) => lastBeat().pods?.find((p) => p.id === id);

    it('ends a `sleep 1` container after a second; Never makes the pod succeeded', async () => {
      t.api.pods = [job(1, ['sleep', '1'], { restart_policy: 'Never' })];
      await started({ containerStartDelayMs: 50 });
      await advance(50);
      expect(reported(1)).toMatchObject({ status: 'running' });
      await advance(1000);
      expect(reported(1)).toMatchObject({
        status: 'succeeded',
        containers: [
          {
            status: 'terminated',
            terminated: { exit_code: 0, reason: 'Completed' },
          },
        ],
      });
    });

    it('fails a pod whose container exits 3 under Never, with the reason', async () => {
      t.api.pods = [job(2, ['sh', '-c', 'exit 3'], { restart_policy: 'Never' })];
      await started({ containerStartDelayMs: 10 });
      await advance(10);
      await advance(1);
      expect(reported(2)).toMatchObject({
        status: 'failed',
        reason: 'container job exited with code 3',
        containers: [{ status: 'terminated', terminated: { exit_code: 3, reason: 'Error' } }],
      });
    });

    it('restarts under Always with a doubling back-off, waiting in CrashLoopBackOff', async () => {
      t.api.pods = [job(3, ['false'], { backoff_initial_ms: 100, backoff_max_ms: 250 })];
      await started({ containerStartDelayMs: 10 });
      await advance(10);
      await advance(1);
      expect(reported(3)?.containers[0]).toMatchObject({
        status: 'waiting',
        waiting_reason: 'CrashLoopBackOff',
        restart_count: 0,
        last_terminated: { exit_code: 1, reason: 'Error' },
      });
      expect(reported(3)?.status).toBe('running');
      const restartTimes: number[] = [];
      let seen = 0;
      for (let elapsed = 0; elapsed < 1000; elapsed += 10) {
        await advance(10);
        const count = reported(3)?.containers[0].restart_count ?? 0;
        if (count > seen) {
          seen = count;
          restartTimes.push(t.clock.now());
        }
      }
      // restarts 100, 200, 250 (the cap), 250 ms after each exit
      const gaps = restartTimes.slice(1).map((t, i) => t - restartTimes[i]);
      expect(gaps.slice(0, 3)).toEqual([200, 250, 250]);
    });

    it('OnFailure keeps a container that exited 0 done', async () => {
      t.api.pods = [job(4, ['true'], { restart_policy: 'OnFailure' })];
      await started({ containerStartDelayMs: 10 });
      await advance(10);
      await advance(1);
      expect(reported(4)).toMatchObject({ status: 'succeeded' });
      await advance(30_000);
      expect(reported(4)?.containers[0].restart_count).toBe(0);
    });

    it('turns ready only after kubesim.io/ready-after', async () => {
      t.api.pods = [podAssignment(5, { annotations: { 'kubesim.io/ready-after': '2s' } })];
      await started({ containerStartDelayMs: 10 });
      await advance(10);
      expect(reported(5)?.containers[0]).toMatchObject({ status: 'running', ready: false });
      await advance(2000);
      expect(reported(5)?.containers[0].status).toBe('running');
      expect(reported(5)?.containers[0].ready).toBeUndefined();
    });
  });

  describe('converging on the pod set', () => {
    it('starts new pods: containers creating, then running, and tells the API at once', async () => {
      t.api.pods = [podAssignment(7)];
      await started({ containerStartDelayMs: 1500 });
      expect(t.agent.podViews()).toMatchObject([{ id: 7, name: 'pod-7', status: 'creating' }]);

      await advance(1000); // a regular beat while the containers are still creating
      expect(t.api.beats[1].body.pods).toEqual([
        {
          id: 7,
          status: 'creating',
          containers: [
            { name: 'app', status: 'creating', restart_count: 0, cpu_usage: 0, memory_usage: 0 },
            {
              name: 'sidecar',
              status: 'creating',
              restart_count: 0,
              cpu_usage: 0,
              memory_usage: 0,
            },
          ],
        },
      ]);

      await advance(500); // at 1500 ms they run, and a beat goes out then, not at 2000 ms
      expect(beatTimes()).toEqual([0, 1000, 1500]);
      expect(lastBeat().pod_ids).toEqual([7]);
      expect(lastBeat().pods).toEqual([
        {
          id: 7,
          status: 'running',
          containers: [
            // memory 90% of the 32 MiB requests with this randomness (80% + 20% × 0.5)
            {
              name: 'app',
              status: 'running',
              restart_count: 0,
              cpu_usage: 0.3,
              memory_usage: 28.8,
            },
            {
              name: 'sidecar',
              status: 'running',
              restart_count: 0,
              cpu_usage: 0.2,
              memory_usage: 28.8,
            },
          ],
        },
      ]);
      expect(lastBeat().cpu_usage).toBe(0.5); // 0.3 + 0.2
      expect(lastBeat().cpu_cores_avail).toBe(1.5); // 2 − 0.5
      expect(t.logger.lines).toContainEqual(expect.stringContaining('pod pod-7 (id 7) running'));
    });

    it('restarts a pod whose restart_count rose, and only then', async () => {
      t.api.pods = [podAssignment(3, { restart_count: 2 })]; // seen first at 2: no restart
      await started();
      await advance(50);
      expect(t.agent.podViews()[0].containers.map((c) => c.restart_count)).toEqual([0, 0]);

      t.api.pods = [podAssignment(3, { restart_count: 3 })];
      await advance(INTERVAL);
      expect(t.agent.podViews()[0]).toMatchObject({
        status: 'creating',
        containers: [
          { name: 'app', status: 'creating', restart_count: 1 },
          { name: 'sidecar', status: 'creating', restart_count: 1 },
        ],
      });
      const restartedAt = t.clock.now();
      await advance(50);
      expect(t.api.beats[t.api.beats.length - 1].at).toBe(restartedAt + 50); // told at once
      expect(lastBeat().pods?.[0]).toMatchObject({
        status: 'running',
        containers: [{ restart_count: 1 }, { restart_count: 1 }],
      });

      await advance(INTERVAL); // the same count again: nothing happens
      expect(t.agent.podViews()[0]).toMatchObject({
        status: 'running',
        containers: [{ restart_count: 1 }, { restart_count: 1 }],
      });
    });

    it('takes assignments pushed from outside the heartbeat', async () => {
      await started();
      t.agent.assignments([podAssignment(9)]);
      await settle();
      expect(t.agent.podViews()).toMatchObject([{ id: 9, status: 'creating' }]);
      await advance(50);
      expect(lastBeat().pods).toMatchObject([{ id: 9, status: 'running' }]);
    });
  });
});
