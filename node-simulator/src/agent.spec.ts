import { podAssignment, Reply } from './testing/fakes';
import { INTERVAL, useAgentHarness } from './testing/agent-harness';

describe('NodeAgent', () => {
  const t = useAgentHarness();
  const { started, settle, advance, lastBeat, beatTimes } = t;

  describe('answers that carry only what changed', () => {
    const changes = (pods: unknown[], podIds: number[], version: number): Reply => ({
      status: 200,
      body: t.api.answer({ pods: pods as never, pod_ids: podIds, pods_version: version }),
    });

    it('keeps the pods it holds, takes the new ones, drops those not listed', async () => {
      t.api.pods = [podAssignment(1), podAssignment(2)];
      t.api.podsVersion = 4;
      await started();
      await advance(50);
      expect(lastBeat().pods_version).toBe(4);
      t.api.reply(changes([podAssignment(3)], [1, 3], 6));
      await advance(INTERVAL);
      expect(t.agent.podViews().map((p) => p.id)).toEqual([1, 3]);
      expect(t.agent.podViews()[0].status).toBe('running'); // not restarted
      // a pod id with no spec is one still to come: nothing else changes meanwhile
      t.api.reply(changes([], [1, 3, 9], 6));
      await advance(INTERVAL);
      expect(t.agent.podViews().map((p) => p.id)).toEqual([1, 3]);
      expect(lastBeat().pods_version).toBe(6);
    });

    it('asks again at once while an answer that brought pods left some out', async () => {
      t.api.reply(changes([podAssignment(1)], [1, 2], 3), changes([podAssignment(2)], [1, 2], 5));
      t.api.pods = [podAssignment(1), podAssignment(2)]; // later answers: the full set
      await started();
      await advance(10);
      // the first beat, then at once the one the partial answer asked for
      expect(beatTimes()).toEqual([0, 0]);
      expect(t.api.beats[1].body).toMatchObject({ pods_version: 3, pod_ids: [1] });
      expect(t.agent.podViews().map((p) => p.id)).toEqual([1, 2]);
      await advance(50);
      expect(lastBeat()).toMatchObject({ pods_version: 5, pod_ids: [1, 2] });
    });

    it('fails only the pod whose spec is malformed, and tells the API why', async () => {
      t.api.reply(
        changes(
          [podAssignment(1), { id: 2, name: 'p', containers: [{ name: 'c', cpu_req: -1 }] }],
          [1, 2],
          2,
        ),
        ...Array.from({ length: 4 }, () => changes([], [1, 2], 2)),
      );
      await started();
      await advance(60);
      expect(t.agent.podViews()).toMatchObject([
        { id: 1, status: 'running' },
        { id: 2, name: 'p', status: 'failed' },
      ]);
      expect(lastBeat().pods).toContainEqual({
        id: 2,
        status: 'failed',
        containers: [],
        reason: 'its spec is malformed: pods[1].containers[0].cpu_req is negative',
      });
      // a readable spec for it later replaces the failed one
      t.api.reply(
        changes([podAssignment(2, { name: 'p' })], [1, 2], 3),
        ...Array.from({ length: 8 }, () => changes([], [1, 2], 3)),
      );
      await advance(6 * INTERVAL); // past the answers queued before
      expect(t.agent.podViews()).toMatchObject([
        { id: 1, status: 'running' },
        { id: 2, name: 'p', status: 'running' },
      ]);
    });

    it('sends the old body again to a server that refuses pods_version', async () => {
      t.api.reply({
        status: 400,
        body: { statusCode: 400, message: ['property pods_version should not exist'] },
      });
      await started();
      await advance(10);
      expect(t.api.beats).toHaveLength(2);
      expect(t.api.beats[0].body.pods_version).toBe(0);
      expect(t.api.beats[1].body).not.toHaveProperty('pods_version');
      expect(t.agent.stats().apiReachable).toBe(true);
    });
  });

  describe('fault hooks', () => {
    it('partition stops the beats, pods keep running; heal resumes at once', async () => {
      await started();
      t.agent.partition();
      t.agent.assignments([podAssignment(4)]); // pods keep converging meanwhile
      await advance(10 * INTERVAL);
      expect(t.api.beats).toHaveLength(1);
      expect(t.agent.podViews()).toMatchObject([{ id: 4, status: 'running' }]);

      t.agent.heal();
      await settle();
      expect(t.api.beats).toHaveLength(2);
      expect(t.api.beats[1].at).toBe(t.clock.now());
      expect(t.api.beats[1].body.pods).toMatchObject([{ id: 4, status: 'running' }]);
      await advance(INTERVAL);
      expect(t.api.beats).toHaveLength(3);
    });

    it('stop sends a last terminating beat and stops the timers', async () => {
      t.api.pods = [podAssignment(1)];
      await started();
      await advance(50);
      await t.agent.stop({ lastHeartbeat: true });
      expect(lastBeat()).toMatchObject({
        health_status: 'terminating',
        pod_ids: [1],
        pods: [
          {
            id: 1,
            status: 'terminating',
            containers: [{ status: 'terminated' }, { status: 'terminated' }],
          },
        ],
      });
      const count = t.api.beats.length;
      await advance(10 * INTERVAL);
      expect(t.api.beats).toHaveLength(count);
      await expect(t.agent.done).resolves.toBe('stopped');
    });

    it('waits at most 1 s for the last beat', async () => {
      await started();
      t.api.reply({ hang: true });
      const stopping = t.agent.stop({ lastHeartbeat: true });
      let stopped = false;
      void stopping.then(() => (stopped = true));
      await advance(999);
      expect(stopped).toBe(false);
      await advance(1);
      expect(stopped).toBe(true);
      expect(t.logger.lines).toContainEqual(
        expect.stringContaining('last heartbeat not delivered'),
      );
    });

    it('sends no last beat unless asked', async () => {
      await started();
      await t.agent.stop();
      expect(t.api.beats).toHaveLength(1);
      await expect(t.agent.done).resolves.toBe('stopped');
    });

    it('sends no last beat while partitioned', async () => {
      await started();
      t.agent.partition();
      await t.agent.stop({ lastHeartbeat: true });
      expect(t.api.beats).toHaveLength(1);
    });
  });
});
