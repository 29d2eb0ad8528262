import { AgentExitReason } from './agent';
import { backoffDelayMs, jitteredIntervalMs } from './heartbeat-loop';
import { podAssignment, Reply } from './testing/fakes';
import { INTERVAL, TOKEN, useAgentHarness } from './testing/agent-harness';

describe('heartbeat arithmetic', () => {
  // base = interval × 2^(failures − 1), capped at 30 s; jitter factor 0.9 + 0.2 × random, capped again.
  it.each([
    // failures, interval, random, delay
    [1, 1000, 0.5, 1000], // 1000 × 1
    [2, 1000, 0.5, 2000], // 1000 × 2
    [3, 1000, 0.5, 4000], // 1000 × 4
    [4, 1000, 0.5, 8000], // 1000 × 8
    [5, 1000, 0.5, 16000], // 1000 × 16
    [6, 1000, 0.5, 30000], // 32000 → cap 30000
    [20, 1000, 0.5, 30000], // still the cap
    [1, 1000, 0, 900], // 1000 × 0.9
    [5, 1000, 0, 14400], // 16000 × 0.9
    [6, 1000, 0, 27000], // 30000 × 0.9
    [5, 1000, 1, 17600], // 16000 × 1.1
    [6, 1000, 1, 30000], // 30000 × 1.1 = 33000 → cap
    [1, 5000, 0.5, 5000], // starts from the interval
    [3, 5000, 0.5, 20000], // 5000 × 4
    [4, 5000, 0.5, 30000], // 40000 → cap
    [1, 60000, 0.5, 60000], // an interval above 30 s is its own cap
    [3, 60000, 1, 60000], // 240000 → 60000
  ])('retry %i at interval %i ms, random %f: %i ms', (failures, interval, random, delay) => {
    expect(backoffDelayMs(failures, interval, () => random)).toBe(delay);
  });

  it.each([
    // interval, random, delay = interval × (0.9 + 0.2 × random)
    [5000, 0, 4500],
    [5000, 0.5, 5000],
    [5000, 1, 5500],
    [1000, 0.25, 950],
  ])('beat interval %i ms with random %f is %i ms (±10%%)', (interval, random, delay) => {
    expect(jitteredIntervalMs(interval, () => random)).toBe(delay);
  });
});

describe('NodeAgent', () => {
  const t = useAgentHarness();
  const { started, makeAgent, advance, lastBeat, beatTimes } = t;

  describe('heartbeats', () => {
    it('sends the first beat at once, as a worker with its four components', async () => {
      await started();
      expect(t.api.beats).toHaveLength(1);
      const beat = t.api.beats[0];
      expect(beat.at).toBe(0);
      expect(beat.url).toBe('http://api.test/nodes/1/heartbeat');
      expect(beat.authorization).toBe(`Bearer ${TOKEN}`);
      expect(beat.body).toEqual({
        pod_ids: [],
        cpu_usage: 0,
        memory_usage: 0,
        cpu_cores_avail: 2,
        health_status: 'healthy',
        components: {
          kubelet: 'running',
          container_runtime: 'running',
          kube_proxy: 'running',
          node_agent: 'running',
        },
        pods: [],
        pods_version: 0,
      });
    });

    it('adds the control-plane components on a master', async () => {
      await started({ nodeType: 'master' });
      expect(lastBeat().components).toEqual({
        kubelet: 'running',
        container_runtime: 'running',
        kube_proxy: 'running',
        node_agent: 'running',
        api_server: 'running',
        scheduler: 'running',
        controller_manager: 'running',
        etcd: 'running',
      });
    });

    it('beats every interval with ±10% jitter', async () => {
      t.random = 0; // the shortest: 0.9 × interval
      await started();
      await advance(3000);
      expect(beatTimes()).toEqual([0, 900, 1800, 2700]);
    });

    it('spreads the first beat when asked', async () => {
      await makeAgent().start({ firstBeatDelayMs: 400 });
      await advance(399);
      expect(t.api.beats).toHaveLength(0);
      await advance(1);
      expect(beatTimes()).toEqual([400]);
    });
  });

  describe('when the API is down', () => {
    const down: [string, Reply][] = [
      ['answers 503', { status: 503 }],
      ['answers 500', { status: 500 }],
      ['refuses connections', { refuse: true }],
    ];

    it.each(down)(
      'backs off while it %s, capped at 30 s, then beats normally again',
      async (_, reply) => {
        t.api.pods = [podAssignment(1)];
        await started(); // beat at 0 ms succeeds, the pod runs
        await advance(50);
        const t0 = t.clock.now() + INTERVAL; // the next regular beat, the first to fail
        t.api.reply(...Array<Reply>(7).fill(reply));
        await advance(INTERVAL + 100_000);

        const times = beatTimes().filter((t) => t >= t0);
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        // failures 1…7 wait 1, 2, 4, 8, 16, 30 (cap), 30 s; then one regular interval.
        expect(gaps.slice(0, 8)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 1000]);
        expect(t.agent.stats()).toMatchObject({ state: 'running', apiReachable: true });
        // The pod kept running all along, and the API hears so when it is back.
        expect(lastBeat().pods).toMatchObject([{ id: 1, status: 'running' }]);
        expect(t.logger.lines.filter((l) => l.includes('API unreachable'))).toHaveLength(1);
        expect(t.logger.lines).toContainEqual(
          expect.stringContaining('API reachable again after 7 failed heartbeats'),
        );
      },
    );

    it('gives up on a heartbeat that gets no answer in time, and backs off', async () => {
      t.api.reply({ hang: true });
      await started({ requestTimeoutMs: 200 });
      await advance(1200);
      // timed out at 200 ms, retried 1000 ms later
      expect(beatTimes()).toEqual([0, 1200]);
      expect(t.logger.lines).toContainEqual(expect.stringContaining('no answer within 200 ms'));
    });

    it.each([
      ['not JSON', { raw: '<html>oops' }],
      ['null', { raw: 'null' }],
      ['pods not a list', { raw: '{"pods":"all of them"}' }],
      ['a pod without id', { status: 200, body: { pods: [{ name: 'x' }] } }],
      [
        'duplicate pod ids',
        {
          status: 200,
          body: {
            pods: [
              { id: 1, name: 'a' },
              { id: 1, name: 'b' },
            ],
          },
        },
      ],
    ] as [string, Reply][])(
      'ignores a garbled answer (%s) and keeps its pods',
      async (_, reply) => {
        t.api.pods = [podAssignment(1)];
        await started();
        await advance(50);
        t.api.reply(reply, reply);
        await advance(3 * INTERVAL);
        expect(t.agent.stats().state).toBe('running');
        expect(t.agent.podViews()).toMatchObject([{ id: 1, status: 'running' }]);
        expect(t.logger.lines).toContainEqual(
          expect.stringContaining('ignored a malformed heartbeat answer'),
        );
        // the API answers, if badly: regular beats (a backoff would wait 2000 ms after the second)
        expect(beatTimes()).toEqual([0, 50, 1050, 2050, 3050]);
        expect(t.logger.lines.filter((l) => l.includes('API unreachable'))).toEqual([]);
      },
    );
  });

  describe('when the API says go', () => {
    it.each([
      [401, 'unauthorized'],
      [404, 'deleted'],
      [410, 'terminated'],
    ] as [number, AgentExitReason][])(
      'stops on %i (%s) and beats no more',
      async (status, reason) => {
        t.api.reply({ status });
        await started();
        await expect(t.agent.done).resolves.toBe(reason);
        await advance(10 * INTERVAL);
        expect(t.api.beats).toHaveLength(1);
        expect(t.agent.stats().state).toBe('stopped');
      },
    );

    it('stops without error when its node was deleted', async () => {
      t.api.reply({ status: 404 });
      await started();
      await t.agent.done;
      expect(t.logger.lines.filter((l) => !l.startsWith('INFO'))).toEqual([]);
    });

    it('stops on terminate: true, without a last beat', async () => {
      t.api.reply({ status: 200, body: t.api.answer({ terminate: true, pods: [] }) });
      await started();
      await expect(t.agent.done).resolves.toBe('terminated');
      await t.agent.stop({ lastHeartbeat: true });
      expect(t.api.beats).toHaveLength(1);
    });
  });
});
