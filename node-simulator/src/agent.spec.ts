import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AgentExitReason,
  backoffDelayMs,
  jitteredIntervalMs,
  NodeAgent,
  NodeAgentOptions,
  simulatedCpuUsage,
} from './agent';
import { FakeApi, FakeClock, memoryLogger, podAssignment, Reply, settleAll } from './testing/fakes';

const TOKEN = 'tok-never-logged';
const SECRET = 's3cr3t-never-logged';
const INTERVAL = 1000;

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
  let dataDir: string;
  let clock: FakeClock;
  let api: FakeApi;
  let logger: ReturnType<typeof memoryLogger>;
  let agent: NodeAgent;
  let random: number;

  const settle = (): Promise<void> => settleAll(agent);
  const advance = (ms: number): Promise<void> => clock.advance(ms, settle);

  function makeAgent(overrides: Partial<NodeAgentOptions> = {}): NodeAgent {
    agent = new NodeAgent({
      nodeId: 1,
      nodeName: 'node-1',
      apiServer: 'http://api.test/',
      token: TOKEN,
      cpuCores: 2,
      heartbeatIntervalMs: INTERVAL,
      dataDir,
      fetch: api.fetch,
      clock,
      random: () => random,
      logger,
      ...overrides,
    });
    return agent;
  }

  async function started(overrides: Partial<NodeAgentOptions> = {}): Promise<NodeAgent> {
    await makeAgent(overrides).start();
    await settle();
    return agent;
  }

  const lastBeat = () => api.beats[api.beats.length - 1].body;
  const beatTimes = () => api.beats.map((b) => b.at);
  /** a pod's folder: `<id>-<name>` (podAssignment(n) is named pod-n) */
  const podDir = (name: string, id = Number(name.replace('pod-', ''))) =>
    join(dataDir, 'pods', `${id}-${name}`);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubesim-agent-'));
    clock = new FakeClock();
    api = new FakeApi(clock);
    logger = memoryLogger();
    random = 0.5; // no jitter, no noise: CPU use equals the request
  });

  afterEach(async () => {
    await agent?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    // Whatever a test did, the token and secret values never reach the log.
    const log = logger.lines.join('\n');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(SECRET);
  });

  describe('assignment watch', () => {
    it('starts a pod pushed through the watch without waiting for the next heartbeat', async () => {
      await started({ watchAssignments: true, containerStartDelayMs: 50 });
      expect(api.beats).toHaveLength(1);
      expect(api.watches).toHaveLength(1);
      expect(api.watches[0].body.pods_version).toBe(1);
      api.push([
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
      expect(api.beats).toHaveLength(2);
      expect(api.beats[1].at).toBe(50);
      expect(lastBeat().pods?.[0]).toMatchObject({ id: 7, status: 'running' });
      expect(api.watches.at(-1)?.body.pods_version).toBe(2);
    });

    it('keeps no watch open while partitioned, and none unless asked', async () => {
      await started({ watchAssignments: true });
      agent.partition();
      await advance(10);
      api.push([]);
      await advance(INTERVAL * 3);
      expect(api.watches).toHaveLength(0);
      await agent.stop();
      await started();
      await advance(INTERVAL);
      expect(api.watches).toHaveLength(0);
    });
  });

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
      api.pods = [job(1, ['sleep', '1'], { restart_policy: 'Never' })];
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
      api.pods = [job(2, ['sh', '-c', 'exit 3'], { restart_policy: 'Never' })];
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
      api.pods = [job(3, ['false'], { backoff_initial_ms: 100, backoff_max_ms: 250 })];
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
      for (let t = 0; t < 1000; t += 10) {
        await advance(10);
        const count = reported(3)?.containers[0].restart_count ?? 0;
        if (count > seen) {
          seen = count;
          restartTimes.push(clock.now());
        }
      }
      // restarts 100, 200, 250 (the cap), 250 ms after each exit
      const gaps = restartTimes.slice(1).map((t, i) => t - restartTimes[i]);
      expect(gaps.slice(0, 3)).toEqual([200, 250, 250]);
    });

    it('OnFailure keeps a container that exited 0 done', async () => {
      api.pods = [job(4, ['true'], { restart_policy: 'OnFailure' })];
      await started({ containerStartDelayMs: 10 });
      await advance(10);
      await advance(1);
      expect(reported(4)).toMatchObject({ status: 'succeeded' });
      await advance(30_000);
      expect(reported(4)?.containers[0].restart_count).toBe(0);
    });

    it('turns ready only after kubesim.io/ready-after', async () => {
      api.pods = [podAssignment(5, { annotations: { 'kubesim.io/ready-after': '2s' } })];
      await started({ containerStartDelayMs: 10 });
      await advance(10);
      expect(reported(5)?.containers[0]).toMatchObject({ status: 'running', ready: false });
      await advance(2000);
      expect(reported(5)?.containers[0].status).toBe('running');
      expect(reported(5)?.containers[0].ready).toBeUndefined();
    });
  });

  describe('heartbeats', () => {
    it('sends the first beat at once, as a worker with its four components', async () => {
      await started();
      expect(api.beats).toHaveLength(1);
      const beat = api.beats[0];
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
      random = 0; // the shortest: 0.9 × interval
      await started();
      await advance(3000);
      expect(beatTimes()).toEqual([0, 900, 1800, 2700]);
    });

    it('spreads the first beat when asked', async () => {
      await makeAgent().start({ firstBeatDelayMs: 400 });
      await advance(399);
      expect(api.beats).toHaveLength(0);
      await advance(1);
      expect(beatTimes()).toEqual([400]);
    });
  });

  describe('converging on the pod set', () => {
    it('starts new pods: containers creating, then running, and tells the API at once', async () => {
      api.pods = [podAssignment(7)];
      await started({ containerStartDelayMs: 1500 });
      expect(agent.podViews()).toMatchObject([{ id: 7, name: 'pod-7', status: 'creating' }]);

      await advance(1000); // a regular beat while the containers are still creating
      expect(api.beats[1].body.pods).toEqual([
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
      expect(logger.lines).toContainEqual(expect.stringContaining('pod pod-7 (id 7) running'));
    });

    it('simulates CPU around the requests, never more than the node has, never less than 0 cores free', async () => {
      random = 1; // every container at 120% of its request
      api.pods = [1, 2, 3, 4].map((id) => podAssignment(id)); // 4 × 0.5 requested on 2 cores
      await started();
      await advance(50);
      // each pod 0.3 × 1.2 + 0.2 × 1.2 = 0.6; four pods 2.4 > 2 cores: capped at the node's 2
      expect(lastBeat().cpu_usage).toBe(2);
      expect(lastBeat().cpu_cores_avail).toBe(0);
    });

    it('uses what kubesim.io/cpu-usage and memory-usage ask, shared by request', async () => {
      api.pods = [
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
      api.pods = [podAssignment(1, { annotations: wave })];
      await started();
      await advance(50); // running, just past its start: about the low end
      expect(lastBeat().cpu_usage).toBeCloseTo(0.1, 2);
      await advance(2500);
      // each beat reports the wave at its own time: 0.1 + 0.4 × (1 − cos(2π t / 4 s)) / 2
      const at = api.beats[api.beats.length - 1].at;
      expect(at).toBeGreaterThan(1000);
      expect(lastBeat().cpu_usage).toBeCloseTo(
        0.1 + (0.4 * (1 - Math.cos((2 * Math.PI * at) / 4000))) / 2,
        2, // reported to the millicore
      );
      api.push([podAssignment(1, { annotations: { 'kubesim.io/cpu-usage': '2' } })]);
      await advance(2000); // the beat that brings it, and the one after
      expect(lastBeat().cpu_usage).toBe(2);
    });

    it('gives two pods of one name (two namespaces) a folder each', async () => {
      api.pods = [podAssignment(1, { name: 'web' }), podAssignment(2, { name: 'web' })];
      await started();
      await advance(50);
      expect(existsSync(podDir('web', 1))).toBe(true);
      expect(existsSync(podDir('web', 2))).toBe(true);
    });

    it('drops pods no longer listed, with their folder', async () => {
      api.pods = [podAssignment(1), podAssignment(2)];
      await started();
      await advance(50);
      expect(existsSync(podDir('pod-1'))).toBe(true);

      api.pods = [podAssignment(2)];
      await advance(INTERVAL); // this answer drops pod 1
      await advance(INTERVAL); // and this beat no longer reports it
      expect(existsSync(podDir('pod-1'))).toBe(false);
      expect(existsSync(podDir('pod-2'))).toBe(true);
      expect(lastBeat().pod_ids).toEqual([2]);
      expect(agent.podViews().map((p) => p.id)).toEqual([2]);
      expect(logger.lines).toContainEqual(expect.stringContaining('pod pod-1 (id 1) dropped'));
    });

    it('restarts a pod whose restart_count rose, and only then', async () => {
      api.pods = [podAssignment(3, { restart_count: 2 })]; // seen first at 2: no restart
      await started();
      await advance(50);
      expect(agent.podViews()[0].containers.map((c) => c.restart_count)).toEqual([0, 0]);

      api.pods = [podAssignment(3, { restart_count: 3 })];
      await advance(INTERVAL);
      expect(agent.podViews()[0]).toMatchObject({
        status: 'creating',
        containers: [
          { name: 'app', status: 'creating', restart_count: 1 },
          { name: 'sidecar', status: 'creating', restart_count: 1 },
        ],
      });
      const restartedAt = clock.now();
      await advance(50);
      expect(api.beats[api.beats.length - 1].at).toBe(restartedAt + 50); // told at once
      expect(lastBeat().pods?.[0]).toMatchObject({
        status: 'running',
        containers: [{ restart_count: 1 }, { restart_count: 1 }],
      });

      await advance(INTERVAL); // the same count again: nothing happens
      expect(agent.podViews()[0]).toMatchObject({
        status: 'running',
        containers: [{ restart_count: 1 }, { restart_count: 1 }],
      });
    });

    it('takes assignments pushed from outside the heartbeat', async () => {
      await started();
      agent.assignments([podAssignment(9)]);
      await settle();
      expect(agent.podViews()).toMatchObject([{ id: 9, status: 'creating' }]);
      await advance(50);
      expect(lastBeat().pods).toMatchObject([{ id: 9, status: 'running' }]);
    });

    it('writes volumes and config under the data dir', async () => {
      api.pods = [
        podAssignment(5, {
          name: 'web',
          volumes: [
            { name: 'cache', type: 'emptyDir', size: 1, path: '/cache' },
            { name: 'host-logs', type: 'hostPath', size: 1, path: '/var/log' },
            { name: 'settings', type: 'configMap', size: 1, path: '/etc/app' },
            { name: 'creds', type: 'secret', size: 1, path: '/etc/creds' },
          ],
          config: [
            { name: 'level', type: 'env', key: 'LOG_LEVEL', value: 'debug' },
            { name: 'greeting', type: 'env', key: 'GREETING', value: 'hello\nworld' },
            { name: 'app-conf', type: 'configMap', key: 'app.conf', value: 'port=8080\n' },
            { name: 'db-pass', type: 'secret', key: 'password', value: SECRET },
          ],
        }),
      ];
      await started();
      const dir = podDir('web', 5);
      expect(statSync(join(dir, 'volumes', 'cache')).isDirectory()).toBe(true);
      expect(statSync(join(dir, 'volumes', 'host-logs')).isDirectory()).toBe(true);
      expect(readFileSync(join(dir, 'volumes', 'settings', 'app.conf'), 'utf8')).toBe(
        'port=8080\n',
      );
      const secretFile = join(dir, 'volumes', 'creds', 'password');
      expect(readFileSync(secretFile, 'utf8')).toBe(SECRET);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'env'), 'utf8')).toBe(
        'LOG_LEVEL=debug\nGREETING=hello\\nworld\n',
      );
      expect(agent.podViews()[0].env).toEqual({ LOG_LEVEL: 'debug', GREETING: 'hello\nworld' });
    });

    it('fails a pod whose names would leave its folder, and keeps the others', async () => {
      api.pods = [
        podAssignment(1, { name: '../escape' }),
        podAssignment(2, {
          config: [{ name: 'x', type: 'secret', key: '../../x', value: SECRET }],
        }),
        podAssignment(3),
      ];
      await started();
      await advance(50);
      expect(agent.podViews().map((p) => [p.id, p.status])).toEqual([
        [1, 'failed'],
        [2, 'failed'],
        [3, 'running'],
      ]);
      expect(existsSync(join(dataDir, 'escape'))).toBe(false);
      expect(existsSync(join(dataDir, 'x'))).toBe(false);
      expect(lastBeat().pods?.map((p) => p.status)).toEqual(['failed', 'failed', 'running']);
    });

    it('reports itself unhealthy, runtime degraded, when it cannot write its data dir', async () => {
      const file = join(dataDir, 'not-a-dir');
      writeFileSync(file, '');
      api.pods = [podAssignment(1)];
      await started({ dataDir: file });
      await advance(INTERVAL);
      expect(lastBeat().health_status).toBe('unhealthy');
      expect(lastBeat().components.container_runtime).toBe('degraded');
      expect(lastBeat().pods).toMatchObject([{ id: 1, status: 'failed' }]);
    });

    it('removes folders of pods it no longer runs, left by an earlier run', async () => {
      api.pods = [podAssignment(1)];
      await started();
      await agent.stop();
      api.pods = [podAssignment(2)];
      await started();
      expect(existsSync(podDir('pod-1'))).toBe(false);
      expect(existsSync(podDir('pod-2'))).toBe(true);
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
        api.pods = [podAssignment(1)];
        await started(); // beat at 0 ms succeeds, the pod runs
        await advance(50);
        const t0 = clock.now() + INTERVAL; // the next regular beat, the first to fail
        api.reply(...Array<Reply>(7).fill(reply));
        await advance(INTERVAL + 100_000);

        const times = beatTimes().filter((t) => t >= t0);
        const gaps = times.slice(1).map((t, i) => t - times[i]);
        // failures 1…7 wait 1, 2, 4, 8, 16, 30 (cap), 30 s; then one regular interval.
        expect(gaps.slice(0, 8)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 1000]);
        expect(agent.stats()).toMatchObject({ state: 'running', apiReachable: true });
        // The pod kept running all along, and the API hears so when it is back.
        expect(lastBeat().pods).toMatchObject([{ id: 1, status: 'running' }]);
        expect(logger.lines.filter((l) => l.includes('API unreachable'))).toHaveLength(1);
        expect(logger.lines).toContainEqual(
          expect.stringContaining('API reachable again after 7 failed heartbeats'),
        );
      },
    );

    it('gives up on a heartbeat that gets no answer in time, and backs off', async () => {
      api.reply({ hang: true });
      await started({ requestTimeoutMs: 200 });
      await advance(1200);
      // timed out at 200 ms, retried 1000 ms later
      expect(beatTimes()).toEqual([0, 1200]);
      expect(logger.lines).toContainEqual(expect.stringContaining('no answer within 200 ms'));
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
        api.pods = [podAssignment(1)];
        await started();
        await advance(50);
        api.reply(reply, reply);
        await advance(3 * INTERVAL);
        expect(agent.stats().state).toBe('running');
        expect(agent.podViews()).toMatchObject([{ id: 1, status: 'running' }]);
        expect(logger.lines).toContainEqual(
          expect.stringContaining('ignored a malformed heartbeat answer'),
        );
        // the API answers, if badly: regular beats (a backoff would wait 2000 ms after the second)
        expect(beatTimes()).toEqual([0, 50, 1050, 2050, 3050]);
        expect(logger.lines.filter((l) => l.includes('API unreachable'))).toEqual([]);
      },
    );
  });

  describe('answers that carry only what changed', () => {
    const changes = (pods: unknown[], podIds: number[], version: number): Reply => ({
      status: 200,
      body: api.answer({ pods: pods as never, pod_ids: podIds, pods_version: version }),
    });

    it('keeps the pods it holds, takes the new ones, drops those not listed', async () => {
      api.pods = [podAssignment(1), podAssignment(2)];
      api.podsVersion = 4;
      await started();
      await advance(50);
      expect(lastBeat().pods_version).toBe(4);
      api.reply(changes([podAssignment(3)], [1, 3], 6));
      await advance(INTERVAL);
      expect(agent.podViews().map((p) => p.id)).toEqual([1, 3]);
      expect(agent.podViews()[0].status).toBe('running'); // not restarted
      // a pod id with no spec is one still to come: nothing else changes meanwhile
      api.reply(changes([], [1, 3, 9], 6));
      await advance(INTERVAL);
      expect(agent.podViews().map((p) => p.id)).toEqual([1, 3]);
      expect(lastBeat().pods_version).toBe(6);
    });

    it('asks again at once while an answer that brought pods left some out', async () => {
      api.reply(changes([podAssignment(1)], [1, 2], 3), changes([podAssignment(2)], [1, 2], 5));
      api.pods = [podAssignment(1), podAssignment(2)]; // later answers: the full set
      await started();
      await advance(10);
      // the first beat, then at once the one the partial answer asked for
      expect(beatTimes()).toEqual([0, 0]);
      expect(api.beats[1].body).toMatchObject({ pods_version: 3, pod_ids: [1] });
      expect(agent.podViews().map((p) => p.id)).toEqual([1, 2]);
      await advance(50);
      expect(lastBeat()).toMatchObject({ pods_version: 5, pod_ids: [1, 2] });
    });

    it('fails only the pod whose spec is malformed, and tells the API why', async () => {
      api.reply(
        changes(
          [podAssignment(1), { id: 2, name: 'p', containers: [{ name: 'c', cpu_req: -1 }] }],
          [1, 2],
          2,
        ),
        ...Array.from({ length: 4 }, () => changes([], [1, 2], 2)),
      );
      await started();
      await advance(60);
      expect(agent.podViews()).toMatchObject([
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
      api.reply(
        changes([podAssignment(2, { name: 'p' })], [1, 2], 3),
        ...Array.from({ length: 8 }, () => changes([], [1, 2], 3)),
      );
      await advance(6 * INTERVAL); // past the answers queued before
      expect(agent.podViews()).toMatchObject([
        { id: 1, status: 'running' },
        { id: 2, name: 'p', status: 'running' },
      ]);
    });

    it('sends the old body again to a server that refuses pods_version', async () => {
      api.reply({
        status: 400,
        body: { statusCode: 400, message: ['property pods_version should not exist'] },
      });
      await started();
      await advance(10);
      expect(api.beats).toHaveLength(2);
      expect(api.beats[0].body.pods_version).toBe(0);
      expect(api.beats[1].body).not.toHaveProperty('pods_version');
      expect(agent.stats().apiReachable).toBe(true);
    });
  });

  describe('when the API says go', () => {
    it.each([
      [401, 'unauthorized'],
      [404, 'deleted'],
      [410, 'terminated'],
    ] as [number, AgentExitReason][])(
      'stops on %i (%s) and beats no more',
      async (status, reason) => {
        api.reply({ status });
        await started();
        await expect(agent.done).resolves.toBe(reason);
        await advance(10 * INTERVAL);
        expect(api.beats).toHaveLength(1);
        expect(agent.stats().state).toBe('stopped');
      },
    );

    it('stops without error when its node was deleted', async () => {
      api.reply({ status: 404 });
      await started();
      await agent.done;
      expect(logger.lines.filter((l) => !l.startsWith('INFO'))).toEqual([]);
    });

    it('stops on terminate: true, without a last beat', async () => {
      api.reply({ status: 200, body: api.answer({ terminate: true, pods: [] }) });
      await started();
      await expect(agent.done).resolves.toBe('terminated');
      await agent.stop({ lastHeartbeat: true });
      expect(api.beats).toHaveLength(1);
    });
  });

  describe('fault hooks', () => {
    it('partition stops the beats, pods keep running; heal resumes at once', async () => {
      await started();
      agent.partition();
      agent.assignments([podAssignment(4)]); // pods keep converging meanwhile
      await advance(10 * INTERVAL);
      expect(api.beats).toHaveLength(1);
      expect(agent.podViews()).toMatchObject([{ id: 4, status: 'running' }]);

      agent.heal();
      await settle();
      expect(api.beats).toHaveLength(2);
      expect(api.beats[1].at).toBe(clock.now());
      expect(api.beats[1].body.pods).toMatchObject([{ id: 4, status: 'running' }]);
      await advance(INTERVAL);
      expect(api.beats).toHaveLength(3);
    });

    it('stop sends a last terminating beat and stops the timers', async () => {
      api.pods = [podAssignment(1)];
      await started();
      await advance(50);
      await agent.stop({ lastHeartbeat: true });
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
      const count = api.beats.length;
      await advance(10 * INTERVAL);
      expect(api.beats).toHaveLength(count);
      await expect(agent.done).resolves.toBe('stopped');
    });

    it('waits at most 1 s for the last beat', async () => {
      await started();
      api.reply({ hang: true });
      const stopping = agent.stop({ lastHeartbeat: true });
      let stopped = false;
      void stopping.then(() => (stopped = true));
      await advance(999);
      expect(stopped).toBe(false);
      await advance(1);
      expect(stopped).toBe(true);
      expect(logger.lines).toContainEqual(expect.stringContaining('last heartbeat not delivered'));
    });

    it('sends no last beat unless asked', async () => {
      await started();
      await agent.stop();
      expect(api.beats).toHaveLength(1);
      await expect(agent.done).resolves.toBe('stopped');
    });

    it('sends no last beat while partitioned', async () => {
      await started();
      agent.partition();
      await agent.stop({ lastHeartbeat: true });
      expect(api.beats).toHaveLength(1);
    });
  });
});
