import { HealthMonitorService } from '../src/health-monitor/health-monitor.service';
import { undecodable } from './setup/fuzz-checks';
import { fuzzSession } from './setup/fuzz-session';
import { send } from './setup/raw-http-client';
import { healthyNode, TestApp, WORKER_COMPONENTS } from './setup/test-app';

/**
 * Inputs that broke the app once, sent every run whatever the seed (fuzzing, see
 * test/setup/fuzz-session.ts): deep and nested bodies, malformed path encodings, numbers past
 * PostgreSQL's integers, an absurd CPU figure, a flood of wrong tokens.
 */
describe('fuzzing every request body and path parameter', () => {
  const fuzz = fuzzSession();
  const { cases, violations, countRows, check, expectNoViolations } = fuzz;
  let t: TestApp;
  let node: { id: number; token: string };
  beforeAll(() => ({ t, node } = fuzz));

  // ---- inputs that broke the app once, sent every run whatever the seed ----
  const deep = (d: number) => '{"a":'.repeat(d) + '1' + '}'.repeat(d);
  const deepArray = (d: number) => '['.repeat(d) + ']'.repeat(d);
  const expect400 = (s: number) => (s === 400 ? null : `expected 400, got ${s}`);
  const expect401 = (s: number) =>
    s === 401 || s === 429 ? null : `expected 401 (or 429) for a bad token, got ${s}`;
  const nodeSql = async (name: string) =>
    (
      await t.sql<{ heartbeat_count: number; last_heartbeat_at: Date; cpu_used_m: number }>(
        'SELECT heartbeat_count, last_heartbeat_at, cpu_used_m FROM nodes WHERE name = $1',
        [name],
      )
    )[0];

  it('deeply nested JSON bodies are refused with 400 on every endpoint', async () => {
    const beatAuth = { authorization: `Bearer ${node.token}` };
    for (const depth of [2000, 10_000]) {
      const cases: Array<[string, string, string, Record<string, string>]> = [
        ['POST', '/nodes', `{"name":"deep","cpu_cores":1,"labels":${deep(depth)}}`, {}],
        ['POST', '/nodes', `{"name":"deep","cpu_cores":1,"node_type":${deepArray(depth)}}`, {}],
        [
          'POST',
          `/nodes/${node.id}/heartbeat`,
          `{"pod_ids":[],"health_status":"healthy","components":${deep(depth)}}`,
          beatAuth,
        ],
        ['POST', `/nodes/${node.id}/watch`, `{"pods_version":${deepArray(depth)}}`, beatAuth],
        ['POST', '/nodes/fuzz-node/simulate/failure', deepArray(depth), {}],
        [
          'POST',
          '/pods',
          `{"name":"deep","containers":[{"name":"c","image":"i","cpu_req":1,"memory_req":1,"command":${deepArray(depth)}}]}`,
          {},
        ],
        ['PUT', '/scheduler', `{"algorithm":${deep(depth)}}`, {}],
      ];
      for (const [method, path, body, headers] of cases)
        await check('known: deep JSON', method, path, body, headers, expect400);
    }
    expectNoViolations('known: deep JSON');
  });

  it('an array where a list expects objects ([[…]]) is refused with 400, nothing stored', async () => {
    const container = { name: 'c', image: 'busybox:1.36', cpu_req: 0.1, memory_req: 1 };
    const volume = { name: 'v', type: 'emptyDir', size: 1, path: '/v' };
    const config = { name: 'e', type: 'env', key: 'K', value: 'v' };
    const bodies: unknown[] = [
      { name: 'nested-a', containers: [[]] },
      { name: 'nested-b', containers: [[container]] },
      { name: 'nested-c', containers: [container], volumes: [[]] },
      { name: 'nested-d', containers: [container], volumes: [[volume]] },
      { name: 'nested-e', containers: [container], config: [[]] },
      { name: 'nested-f', containers: [container], config: [[config]] },
    ];
    for (const body of bodies)
      await check('known: nested arrays', 'POST', '/pods', JSON.stringify(body), {}, expect400);
    const beat = { pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS };
    for (const pods of [[[]], [[{ id: 1, status: 'running', containers: [] }]]])
      await check(
        'known: nested arrays',
        'POST',
        `/nodes/${node.id}/heartbeat`,
        JSON.stringify({ ...beat, pods }),
        { authorization: `Bearer ${node.token}` },
        expect400,
      );
    expectNoViolations('known: nested arrays');
  });

  const expectBadUrlOr401 = (id: string) => (s: number) =>
    undecodable(id) && s === 400 ? null : expect401(s);

  it('malformed encodings in a heartbeat path: 400 (bad URL) or 401, never 500', async () => {
    const beat = JSON.stringify({
      pod_ids: [],
      health_status: 'healthy',
      components: WORKER_COMPONENTS,
    });
    for (const id of ['%E0%A4%A', '%C0%AF', '%', '%ED%A0%80', 'a%00b', '%00'])
      for (const route of ['heartbeat', 'watch'])
        await check(
          'known: heartbeat path encodings',
          'POST',
          `/nodes/${id}/${route}`,
          route === 'heartbeat' ? beat : '{"pods_version":0,"timeout_ms":0}',
          { authorization: 'Bearer kshb_wrong' },
          expectBadUrlOr401(id),
        );
    expectNoViolations('known: heartbeat path encodings');
  });

  it("numbers past PostgreSQL's integer range in a heartbeat are refused whole: 400, nothing written", async () => {
    // a node of its own, so that nothing else writes its heartbeat columns meanwhile
    const partial = await healthyNode(t, 'fuzz-partial', 2);
    fuzz.counts = await countRows();
    const auth = { authorization: `Bearer ${partial.token}` };
    const report = (id: number | string, restartCount: number | string) =>
      `{"pod_ids":[],"health_status":"healthy","components":${JSON.stringify(WORKER_COMPONENTS)},` +
      `"pods":[{"id":${id},"status":"running","containers":[{"name":"main","status":"running","restart_count":${restartCount}}]}]}`;
    for (const body of [
      report(1, '1e39'),
      report(1, 2 ** 31),
      report(2 ** 31, 0),
      report('1e30', 0),
    ]) {
      const before = await nodeSql('fuzz-partial');
      await check(
        'known: out-of-range heartbeat',
        'POST',
        `/nodes/${partial.id}/heartbeat`,
        body,
        auth,
        expect400,
      );
      const after = await nodeSql('fuzz-partial');
      if (after.heartbeat_count !== before.heartbeat_count)
        violations.push({
          endpoint: 'known: out-of-range heartbeat',
          request: `POST /nodes/${partial.id}/heartbeat ${body}`,
          status: 400,
          problem: `refused, yet recorded: heartbeat_count ${before.heartbeat_count}→${after.heartbeat_count}, last_heartbeat_at ${before.last_heartbeat_at?.toISOString()}→${after.last_heartbeat_at?.toISOString()}`,
          answer: '',
        });
    }
    expectNoViolations('known: out-of-range heartbeat');
  });

  it("one node's absurd CPU figure cannot stall the other nodes' heartbeat writes", async () => {
    const poisoner = await healthyNode(t, 'fuzz-poisoner', 2);
    const victim = await healthyNode(t, 'fuzz-victim', 2);
    const beat = (n: { id: number; token: string }, extra: Record<string, unknown> = {}) =>
      send(
        t.baseUrl,
        'POST',
        `/nodes/${n.id}/heartbeat`,
        JSON.stringify({
          pod_ids: [],
          health_status: 'healthy',
          components: WORKER_COMPONENTS,
          ...extra,
        }),
        { authorization: `Bearer ${n.token}` },
      );
    // routine beats (nothing new to report) are buffered and written together each tick
    await beat(poisoner);
    await beat(victim);
    const absurd = await beat(poisoner, { cpu_usage: 5e6 }); // 5 million cores: 5e9 millicores
    cases['known: absurd cpu_usage'] = 1;
    // the beats above are written with the next tick: count from after it
    const monitor = t.app.get(HealthMonitorService);
    await monitor.runOnce(new Date());
    const before = await nodeSql('fuzz-victim');
    for (let i = 0; i < 4; i++) {
      expect((await beat(victim)).status).toBe(200);
      await monitor.runOnce(new Date());
    }
    const after = await nodeSql('fuzz-victim');
    const poisonerRow = await nodeSql('fuzz-poisoner');
    expect({
      absurdBeat: absurd.status === 200 || absurd.status === 400 ? 'answered' : absurd.status,
      victimBeatsWritten: after.heartbeat_count - before.heartbeat_count,
      poisonerCpuWritten:
        absurd.status === 200 ? poisonerRow.cpu_used_m === 5e9 || 'not written' : 'refused',
    }).toEqual({
      absurdBeat: 'answered',
      victimBeatsWritten: 4,
      poisonerCpuWritten: absurd.status === 200 ? true : 'refused',
    });
  });

  it("wrong tokens sent for a node do not lock that node's own agent out", async () => {
    const locked = await healthyNode(t, 'fuzz-locked', 2);
    fuzz.counts = await countRows();
    const body = JSON.stringify({
      pod_ids: [],
      health_status: 'healthy',
      components: WORKER_COMPONENTS,
    });
    for (let i = 0; i < 15; i++)
      await check(
        'known: token lockout',
        'POST',
        `/nodes/${locked.id}/heartbeat`,
        body,
        { authorization: 'Bearer kshb_guess' },
        expect401,
      );
    await check(
      'known: token lockout',
      'POST',
      `/nodes/${locked.id}/heartbeat`,
      body,
      { authorization: `Bearer ${locked.token}` },
      (s) =>
        s === 200
          ? null
          : `the node's own agent got ${s} after someone else's wrong tokens (a lockout)`,
    );
    expectNoViolations('known: token lockout');
  });
});
