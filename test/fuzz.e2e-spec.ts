import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { configKeyProblem } from '../node-simulator/src/pod-rules';
import { HealthMonitorService } from '../src/health-monitor/health-monitor.service';
import { bodies } from './setup/fuzz-arbitraries';
import { Counts, JSON_TYPE, nestingDepth, POSTGRES_WORDS, Violation } from './setup/fuzz-checks';
import { agent, Answer, send } from './setup/raw-http-client';
import { healthyNode, pod, startTestApp, TestApp, WORKER_COMPONENTS } from './setup/test-app';

/**
 * Property-based fuzzing of every request body and path parameter against the real app
 * (external runtime, loops off) on a real PostgreSQL. For every case: never a 5xx or a
 * hang; a 4xx is JSON with a message and leaves no row behind. Violations are collected
 * (not shrunk) so one run lists every distinct bug; FUZZ_SEED replays a run, FUZZ_SCALE
 * multiplies the number of cases, FUZZ_DUMP=file.json writes every violation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

describe('fuzzing every request body and path parameter', () => {
  let t: TestApp;
  const cases: Record<string, number> = {};
  const fivexx: Record<string, number> = {};
  const violations: Violation[] = [];
  let counts: Counts;

  /**
   * A change may go on after its answer (pending pods retried, events): the row counts once
   * they have held still for two looks in a row, 25 ms apart (at most 40 looks).
   */
  async function settledRows(from?: Counts): Promise<Counts> {
    let last = from ?? (await countRows());
    for (let i = 0, still = 0; i < 40 && still < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const again = await countRows();
      still = Object.keys(again).every((k) => again[k] === last[k]) ? still + 1 : 0;
      last = again;
    }
    return last;
  }
  let sequence = 0;
  const unique = (prefix: string) => `${prefix}-${(sequence++).toString(36)}`;

  const countRows = async (): Promise<Counts> => {
    const [row] = await t.sql<Counts>(
      `SELECT (SELECT count(*) FROM nodes)::int AS nodes,
              (SELECT count(*) FROM pods)::int AS pods,
              (SELECT count(*) FROM containers)::int AS containers,
              (SELECT count(*) FROM volumes)::int AS volumes,
              (SELECT count(*) FROM config_items)::int AS config_items,
              (SELECT count(*) FROM idempotency_keys WHERE status_code = 0)::int AS open_idempotency_claims,
              (SELECT count(*) FROM events)::int AS events,
              (SELECT COALESCE(max(id), 0) FROM events)::int AS last_event_id,
              (SELECT count(*) FROM pods WHERE status = 'pending')::int AS pending_pods,
              (SELECT hashtext(COALESCE(string_agg(id || ':' || status || ':' || COALESCE(node_id, 0), ',' ORDER BY id), '')) FROM pods) AS pod_states,
              (SELECT hashtext(COALESCE(string_agg(id || ':' || status || ':' || restart_count, ',' ORDER BY id), '')) FROM containers) AS container_states,
              (SELECT hashtext(COALESCE(string_agg(id || ':' || health_status || ':' || cordoned, ',' ORDER BY id), '')) FROM nodes) AS node_states,
              (SELECT count(*) FROM pods p WHERE NOT EXISTS (SELECT 1 FROM containers c WHERE c.pod_id = p.id))::int AS pods_without_containers,
              (SELECT count(*) FROM nodes n WHERE n.cpu_allocated_m <> COALESCE((SELECT sum(cpu_req_m) FROM pods p WHERE p.node_id = n.id), 0))::int AS nodes_with_allocation_drift`,
    );
    return row;
  };

  /**
   * Whether rows changed only because pending pods were bound in the background: an
   * earlier request that freed room starts a retry of the pending pods that may still
   * be running when a later one is answered. Anything else a 4xx changed is a bug.
   */
  const onlyPendingPodsBound = async (
    before: Counts,
    after: Counts,
    changed: string[],
  ): Promise<boolean> => {
    if (!changed.every((k) => ['events', 'pod_states', 'pending_pods'].includes(k))) return false;
    const bound = before.pending_pods - after.pending_pods;
    if (bound < 0 || (bound === 0) !== (before.pod_states === after.pod_states)) return false;
    const fresh = await t.sql<{ reason: string; message: string }>(
      `SELECT reason, message FROM events WHERE id > $1`,
      [before.last_event_id],
    );
    return fresh.every((e) => e.reason === 'Scheduled' && e.message.endsWith('(was pending)'));
  };

  /** Sends one case and checks everything about its answer. */
  async function check(
    endpoint: string,
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string | undefined> = {},
    expectStatus?: (status: number) => string | null,
  ): Promise<Answer | null> {
    cases[endpoint] = (cases[endpoint] ?? 0) + 1;
    const describeRequest = () => {
      const shown =
        body === undefined
          ? ''
          : body.length > 300
            ? `${body.slice(0, 300)}… (${body.length} chars)`
            : body;
      return `${method} ${path.length > 200 ? `${path.slice(0, 200)}… (${path.length} chars)` : path} ${JSON.stringify(headers)} ${shown}`;
    };
    const report = (status: number, problem: string, answer: string) =>
      violations.push({
        endpoint,
        request: describeRequest(),
        status,
        problem,
        answer: answer.slice(0, 400),
        depth: nestingDepth(body),
        body,
      });
    let res: Answer;
    try {
      res = await send(t.baseUrl, method, path, body, headers);
    } catch (err) {
      report(0, `transport error: ${(err as Error).message}`, '');
      return null;
    }
    // serve-static answers a dot segment (`/nodes/..`) with a redirect; clients normalise those away
    const dotSegment = /\/\.\.?(\/|$)/.test(
      path.split('?')[0].replace(/%2e/gi, '.').replace(/%2f/gi, '/'),
    );
    if (dotSegment && res.status >= 300 && res.status < 400) {
      // tolerated, see above
    } else if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
      if (res.status >= 500) fivexx[endpoint] = (fivexx[endpoint] ?? 0) + 1;
      report(res.status, `status ${res.status}`, res.text);
    } else if (dotSegment) {
      // tolerated, see above (an oversize URL, refused by Node's parser, is a JSON 431 like any answer)
    } else if (!/application\/json/.test(res.contentType) || res.json === undefined) {
      report(res.status, `not JSON (${res.contentType})`, res.text);
    } else if (res.status >= 400) {
      const message = (res.json as { message?: unknown }).message;
      const ok =
        (typeof message === 'string' && message.length > 0) ||
        (Array.isArray(message) &&
          message.length > 0 &&
          message.every((m) => typeof m === 'string'));
      if (!ok) report(res.status, '4xx without a message', res.text);
      else if (POSTGRES_WORDS.test(JSON.stringify(message)))
        report(res.status, "4xx that shows PostgreSQL's own message", res.text);
    }
    // a write that is not JSON is refused before anything reads it (the CSRF guard)
    const typeHeader = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type');
    const sentType = typeHeader ? typeHeader[1] : 'application/json';
    const jsonWrite = method === 'GET' || (sentType !== undefined && JSON_TYPE.test(sentType));
    if (!jsonWrite && ![400, 415, 431].includes(res.status))
      report(res.status, `a ${sentType} write answered ${res.status}, not 415`, res.text);
    const expected = expectStatus?.(res.status);
    if (expected) report(res.status, expected, res.text);
    let after = await countRows();
    if (res.status < 300 && method !== 'GET' && !/\/(heartbeat|watch)$/.test(path))
      after = await settledRows(after);
    if (res.status >= 400 && res.status < 500) {
      let changed = Object.keys(after).filter(
        (k) => k !== 'last_event_id' && after[k] !== counts[k],
      );
      if (changed.length && (await onlyPendingPodsBound(counts, after, changed))) changed = [];
      if (changed.length)
        report(
          res.status,
          `a ${res.status} changed rows: ${changed.map((k) => `${k} ${counts[k]}→${after[k]}`).join(', ')}`,
          res.text,
        );
    }
    if (after.pods_without_containers || after.nodes_with_allocation_drift)
      report(res.status, `broken invariant: ${JSON.stringify(after)}`, res.text);
    counts = after;
    return res;
  }

  const expectNoViolations = (endpoint: string | RegExp) => {
    const mine = violations.filter((v) =>
      typeof endpoint === 'string' ? v.endpoint === endpoint : endpoint.test(v.endpoint),
    );
    // one example per distinct problem, so a report lists each bug once
    const distinct = new Map<string, Violation>();
    for (const v of mine) {
      const key = `${v.endpoint} ${v.status} ${v.problem.replace(/\d+/g, 'N')} ${v.answer.replace(/"[^"]*"/g, '""').slice(0, 80)}`;
      if (!distinct.has(key)) distinct.set(key, v);
    }
    if (distinct.size)
      throw new Error(
        `${mine.length} violations (seed ${SEED}), ${distinct.size} distinct:\n` +
          [...distinct.values()]
            .slice(0, 15)
            .map(
              (v) =>
                `- [${v.endpoint}] ${v.problem}\n    request: ${v.request}\n    answer: ${v.answer}`,
            )
            .join('\n'),
      );
  };

  const runAll = <T>(
    arb: fc.Arbitrary<T>,
    numRuns: number,
    property: (value: T) => Promise<void>,
  ) =>
    fc.assert(
      fc.asyncProperty(arb, async (value) => {
        await property(value);
      }),
      { numRuns, seed: SEED, endOnFailure: true },
    );

  let node: { id: number; token: string };
  let otherNode: { id: number; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    node = await healthyNode(t, 'fuzz-node', 1024);
    otherNode = await healthyNode(t, 'fuzz-other', 4);
    await t.http.post('/pods').send(pod('fuzz-bound', 1)).expect(201);
    counts = await countRows();
  });

  afterAll(async () => {
    // FUZZ_DUMP=file.json keeps every violation, for a closer look than the distinct examples
    if (process.env.FUZZ_DUMP)
      writeFileSync(process.env.FUZZ_DUMP, JSON.stringify(violations, null, 1));
    agent.destroy();
    await t?.close();
    const total = Object.values(cases).reduce((a, b) => a + b, 0);
    const total5xx = Object.values(fivexx).reduce((a, b) => a + b, 0);
    console.log(
      `fuzz (seed ${SEED}): ${total} cases, ${total5xx} answered 5xx, ${violations.length} violations\n` +
        Object.entries(cases)
          .map(
            ([e, n]) => `  ${e.padEnd(48)} ${String(n).padStart(5)} cases, ${fivexx[e] ?? 0} 5xx`,
          )
          .join('\n'),
    );
  });

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

  /** A path that does not decode (`%E0%A4%A`) names no node: 400 for the URL, or 401. */
  const undecodable = (id: string) => {
    try {
      decodeURIComponent(id);
      return false;
    } catch {
      return true;
    }
  };
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
    counts = await countRows();
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
    counts = await countRows();
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

  // ---- POST /nodes ----
  const validNode = fc.record(
    {
      name: fc.constant(null).map(() => unique('fz-n')),
      cpu_cores: fc.integer({ min: 1, max: 64 }),
      cpu_cores_avail: fc.constantFrom(0.5, 2, 1024),
      node_type: fc.constantFrom('worker', 'master'),
      memory_mb: fc.integer({ min: 1, max: 65536 }),
      labels: fc.dictionary(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.string({ maxLength: 8 }),
        { maxKeys: 3 },
      ),
      agent: fc.constantFrom('managed', 'external'),
    },
    { requiredKeys: ['name', 'cpu_cores'] },
  );

  it('POST /nodes', async () => {
    await runAll(fc.tuple(bodies(validNode), fc.boolean()), runs(500), async ([b, withKey]) => {
      const headers: Record<string, string> = b.contentType
        ? { 'content-type': b.contentType }
        : {};
      if (withKey) headers['idempotency-key'] = unique('fz-key');
      await check('POST /nodes', 'POST', '/nodes', b.text, headers);
    });
    expectNoViolations('POST /nodes');
  });

  // ---- POST /nodes/:id/heartbeat ----
  const validBeat = fc.record(
    {
      pod_ids: fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 3 }),
      cpu_cores_avail: fc.double({ min: 0, max: 64, noNaN: true }),
      cpu_usage: fc.double({ min: 0, max: 64, noNaN: true }),
      health_status: fc.constantFrom('healthy', 'unhealthy'),
      components: fc.constant(WORKER_COMPONENTS),
      pods: fc.array(
        fc.record({
          id: fc.integer({ min: 1, max: 50 }),
          status: fc.constantFrom('creating', 'running', 'failed'),
          containers: fc.array(
            fc.record({
              name: fc.constantFrom('main', 'side'),
              status: fc.constantFrom('creating', 'running', 'failed', 'terminated'),
              restart_count: fc.nat(5),
              cpu_usage: fc.double({ min: 0, max: 2, noNaN: true }),
            }),
            { maxLength: 2 },
          ),
        }),
        { maxLength: 2 },
      ),
    },
    { requiredKeys: ['pod_ids', 'health_status', 'components'] },
  );

  it("POST /nodes/:id/heartbeat with the node's token: every body", async () => {
    await runAll(fc.tuple(bodies(validBeat), fc.boolean()), runs(500), async ([b, byName]) => {
      const headers: Record<string, string> = { authorization: `Bearer ${node.token}` };
      if (b.contentType) headers['content-type'] = b.contentType;
      await check(
        'POST /nodes/:id/heartbeat (valid token)',
        'POST',
        `/nodes/${byName ? 'fuzz-node' : node.id}/heartbeat`,
        b.text,
        headers,
      );
    });
    expectNoViolations('POST /nodes/:id/heartbeat (valid token)');
  });

  // ---- POST /nodes/:id/watch (the agents' long poll) ----
  it("POST /nodes/:id/watch with the node's token: every body", async () => {
    // a pods_version the node does not have answers at once; the same one waits timeout_ms
    const validWatch = fc.record(
      {
        pods_version: fc.integer({ min: 1_000_000, max: 2_000_000 }),
        timeout_ms: fc.integer({ min: 0, max: 50 }),
      },
      { requiredKeys: ['pods_version'] },
    );
    await runAll(bodies(validWatch), runs(250), async (b) => {
      const headers: Record<string, string> = { authorization: `Bearer ${node.token}` };
      if (b.contentType) headers['content-type'] = b.contentType;
      await check(
        'POST /nodes/:id/watch (valid token)',
        'POST',
        `/nodes/${node.id}/watch`,
        b.text,
        headers,
      );
    });
    expectNoViolations('POST /nodes/:id/watch (valid token)');
  });

  // ---- POST /nodes/:id/simulate/failure ----
  it('POST /nodes/:id/simulate/failure', async () => {
    const validFailure = fc.record(
      { mode: fc.constantFrom('crash', 'hang', 'partition') },
      { requiredKeys: [] },
    );
    await runAll(
      fc.tuple(bodies(validFailure), fc.constantFrom('fuzz-node', 'fuzz-other', 'nope')),
      runs(250),
      async ([b, target]) => {
        const headers: Record<string, string> = b.contentType
          ? { 'content-type': b.contentType }
          : {};
        await check(
          'POST /nodes/:id/simulate/failure',
          'POST',
          `/nodes/${target}/simulate/failure`,
          b.text,
          headers,
        );
      },
    );
    expectNoViolations('POST /nodes/:id/simulate/failure');
  });

  // ---- POST /pods ----
  const dns = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
  const validPod = fc
    .record(
      {
        name: fc.constant(null).map(() => unique('fz-p')),
        cpu_cores_req: fc.constantFrom(0.001, 0.25, 1, 2.5),
        memory_mb_req: fc.nat(4096),
        scheduler_algorithm: fc.constantFrom('first-fit', 'best-fit', 'worst-fit', 'round-robin'),
        containers: fc.uniqueArray(
          fc.record(
            {
              name: dns,
              image: fc.constantFrom('busybox:1.36', 'nginx:1.27'),
              cpu_req: fc.constantFrom(0, 0.1, 0.5),
              memory_req: fc.nat(512),
              command: fc.oneof(
                fc.constant('sh -c "sleep 1"'),
                fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
              ),
              args: fc.oneof(
                fc.constant('--port 80'),
                fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
              ),
            },
            { requiredKeys: ['name', 'image', 'cpu_req', 'memory_req'] },
          ),
          { minLength: 1, maxLength: 3, selector: (c) => c.name },
        ),
        volumes: fc.uniqueArray(
          fc.record({
            name: dns,
            type: fc.constantFrom('emptyDir', 'hostPath', 'configMap', 'secret'),
            size: fc.constantFrom(0, 1, 2.5),
            path: fc.constantFrom('/data', '/etc/conf', '/cache'),
          }),
          { maxLength: 2, selector: (v) => v.name },
        ),
        config: fc.array(
          fc.record({
            name: fc.constantFrom('app', 'creds'),
            type: fc.constantFrom('env', 'configMap', 'secret'),
            key: fc.constantFrom('KEY', 'app.conf'),
            value: fc.string({ maxLength: 20 }),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: ['name', 'containers'] },
    )
    .map((p) => {
      // a valid pod reserves at least what its containers request
      const sum = p.containers.reduce((total, c) => total + Math.round(c.cpu_req * 1000), 0) / 1000;
      return p.cpu_cores_req !== undefined && p.cpu_cores_req < sum
        ? { ...p, cpu_cores_req: sum }
        : p;
    });

  it('POST /pods', async () => {
    await runAll(fc.tuple(bodies(validPod), fc.boolean()), runs(800), async ([b, withKey]) => {
      const headers: Record<string, string> = b.contentType
        ? { 'content-type': b.contentType }
        : {};
      if (withKey) headers['idempotency-key'] = unique('fz-key');
      await check('POST /pods', 'POST', '/pods', b.text, headers);
    });
    expectNoViolations('POST /pods');
  });

  it('POST /pods with a reused Idempotency-Key and another body: 422, nothing created', async () => {
    const key = unique('fz-reused');
    const first = JSON.stringify(pod(unique('fz-idem'), 0.1));
    expect((await send(t.baseUrl, 'POST', '/pods', first, { 'idempotency-key': key })).status).toBe(
      201,
    );
    counts = await countRows();
    await runAll(bodies(validPod), runs(150), async (b) => {
      const headers: Record<string, string> = { 'idempotency-key': key };
      if (b.contentType) headers['content-type'] = b.contentType;
      await check('POST /pods (reused key)', 'POST', '/pods', b.text, headers, (s) =>
        // another body is another request; a body the server cannot read is refused first
        s === 422 || s === 400 || s === 413 || s === 415 || (b.text === first && s === 201)
          ? null
          : `expected 422 for a reused key with another body, got ${s}`,
      );
    });
    expectNoViolations('POST /pods (reused key)');
  });

  // a key the agent could not write must never be stored: it would fail the pod on its node
  it('POST /pods: a config key is taken only if the agent can write it (its own rule)', async () => {
    const key = fc.oneof(
      fc.constantFrom(
        'a/../../b',
        '..',
        '.',
        'A\nB',
        'x\ry',
        '/etc/passwd',
        'ok.conf',
        'LOG_LEVEL',
        '9X',
      ),
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.stringMatching(/^[-._A-Za-z0-9/\n]{1,8}$/),
    );
    const type = fc.constantFrom('env', 'configMap', 'secret');
    await runAll(fc.tuple(type, key), runs(200), async ([configType, configKey]) => {
      const writable = configKeyProblem(configType, configKey) === null;
      const body = pod(unique('fz-key'), 0.001, {
        config: [{ name: 'c', type: configType, key: configKey, value: 'v' }],
      });
      const res = await check(
        'POST /pods (config keys)',
        'POST',
        '/pods',
        JSON.stringify(body),
        {
          'content-type': 'application/json',
        },
        (status) =>
          writable
            ? status === 201
              ? null
              : `a writable ${configType} key got ${status}`
            : status === 400
              ? null
              : `an unwritable ${configType} key ${JSON.stringify(configKey)} got ${status}`,
      );
      if (res && res.status === 400 && !writable && !/config\.0\.key/.test(res.text))
        violations.push({
          endpoint: 'POST /pods (config keys)',
          request: JSON.stringify(body),
          status: 400,
          problem: 'the 400 does not name config.0.key',
          answer: res.text.slice(0, 400),
          depth: 0,
          body: JSON.stringify(body),
        });
    });
    expectNoViolations('POST /pods (config keys)');
  });

  // ---- PUT /scheduler ----
  it('PUT /scheduler', async () => {
    const validScheduler = fc.record({
      algorithm: fc.constantFrom('first-fit', 'best-fit', 'worst-fit', 'round-robin'),
    });
    await runAll(bodies(validScheduler), runs(250), async (b) => {
      const headers: Record<string, string> = b.contentType
        ? { 'content-type': b.contentType }
        : {};
      await check('PUT /scheduler', 'PUT', '/scheduler', b.text, headers);
    });
    expectNoViolations('PUT /scheduler');
  });

  // ---- PUT /autoscaler ----
  it('PUT /autoscaler', async () => {
    const validAutoscaler = fc.record(
      {
        enabled: fc.boolean(),
        min_nodes: fc.integer({ min: 0, max: 3 }),
        max_nodes: fc.integer({ min: 3, max: 1000 }),
        node_cpu_cores: fc.integer({ min: 1, max: 1024000 }).map((m) => m / 1000),
        node_memory_mb: fc.option(fc.integer({ min: 1, max: 4_194_304 })),
        scale_up_delay_s: fc.integer({ min: 0, max: 86400 }),
        scale_down_idle_s: fc.integer({ min: 0, max: 86400 }),
      },
      { requiredKeys: [] },
    );
    await runAll(bodies(validAutoscaler), runs(250), async (b) => {
      const headers: Record<string, string> = b.contentType
        ? { 'content-type': b.contentType }
        : {};
      await check('PUT /autoscaler', 'PUT', '/autoscaler', b.text, headers);
    });
    expectNoViolations('PUT /autoscaler');
  });

  // after the tests that use the fixture's own token: wrong ones get its key throttled
  const badAuthorization = fc.oneof(
    fc.constantFrom<string | null>(
      null,
      '',
      'Bearer',
      'Bearer ',
      'bearer x',
      'Basic dXNlcjpwYXNz',
      'Bearer kshb_',
      'Bearer kshb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      'Bearer a b',
      `Bearer ${'k'.repeat(8000)}`,
      'Bearer \u00ff\u00fe',
    ),
    fc
      .string({ unit: 'binary-ascii', maxLength: 60 })
      .map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, '')}`),
    fc.constant('other-node'),
  );

  it('POST /nodes/:id/heartbeat with a missing or wrong token: 401 whatever the body', async () => {
    await runAll(
      fc.tuple(
        bodies(validBeat),
        badAuthorization,
        fc.constantFrom('fuzz-node', 'id', 'missing', '999999', 'other'),
      ),
      runs(250),
      async ([b, auth, target]) => {
        const headers: Record<string, string> = {};
        if (auth === 'other-node') headers.authorization = `Bearer ${otherNode.token}`;
        else if (auth !== null) headers.authorization = auth;
        if (b.contentType) headers['content-type'] = b.contentType;
        const ref = target === 'id' ? String(node.id) : target === 'other' ? 'fuzz-node' : target;
        await check(
          'POST /nodes/:id/heartbeat (bad token)',
          'POST',
          `/nodes/${ref}/heartbeat`,
          b.text,
          headers,
          (s) =>
            s === 401 ||
            s === 429 ||
            s === 431 ||
            // a write that is not JSON is refused on its headers, before its token is looked at
            (s === 415 && b.contentType !== undefined && !JSON_TYPE.test(b.contentType))
              ? null
              : `expected 401 (or 429) for a bad token, got ${s}`,
        );
      },
    );
    expectNoViolations('POST /nodes/:id/heartbeat (bad token)');
  });

  // ---- path parameters of every /nodes/:id… and /pods/:id… route ----
  /** Sent exactly as written: must be valid request-target characters. */
  const rawParams = fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '..%2f..%2fetc%2fpasswd',
    '..%2F',
    '%00',
    'a%00b',
    '%',
    '%%',
    '%zz',
    '%E0%A4%A',
    '%C0%AF',
    '%ED%A0%80',
    '%FF',
    '%u0041',
    '%20',
    '%0A',
    '+',
    '*',
    '%2A',
    '%3Fx%3D1',
    '%23frag',
    'health',
    'heartbeat',
  );
  const encodedParams = fc
    .oneof(
      fc.integer().map(String),
      fc.integer({ min: -1e9, max: -1 }).map(String),
      fc.double().map(String),
      fc.constantFrom(
        'NaN',
        'Infinity',
        '-Infinity',
        '-0',
        '0',
        '00000000001',
        '1e3',
        '0x1f',
        '1.0',
        '1.',
        '.1',
        ' 1',
        '1 ',
        '١',
        'null',
        'undefined',
        'true',
        '[]',
        '{}',
        '$1',
        "1' OR '1'='1",
      ),
      fc.integer({ min: 1_000_000_000, max: 9_999_999_999 }).map(String),
      fc.integer({ min: 100_000_000, max: 999_999_999 }).map(String),
      fc.bigInt({ min: 10n ** 10n, max: 10n ** 40n }).map(String),
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.integer({ min: 64, max: 12_000 }).map((n) => 'a'.repeat(n)),
      fc.integer({ min: 1, max: 3_000 }).map((n) => '€'.repeat(n)),
      fc.constantFrom(
        '../../etc/passwd',
        '..\\..\\windows',
        '/',
        '//',
        'a/b',
        '\u0000',
        'fuzz-node',
        'fuzz-bound',
      ),
    )
    .map((s) => {
      try {
        return encodeURIComponent(s);
      } catch {
        return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'));
      }
    });
  const routes: Array<[string, string, (id: string) => string]> = [
    ['GET', '/nodes/:id', (id) => `/nodes/${id}`],
    ['GET', '/nodes/:id/heartbeats', (id) => `/nodes/${id}/heartbeats`],
    ['POST', '/nodes/:id/heartbeat', (id) => `/nodes/${id}/heartbeat`],
    ['POST', '/nodes/:id/watch', (id) => `/nodes/${id}/watch`],
    ['POST', '/nodes/:id/simulate/failure', (id) => `/nodes/${id}/simulate/failure`],
    ['POST', '/nodes/:id/restart', (id) => `/nodes/${id}/restart`],
    ['POST', '/nodes/:id/stop', (id) => `/nodes/${id}/stop`],
    ['POST', '/nodes/:id/cordon', (id) => `/nodes/${id}/cordon`],
    ['POST', '/nodes/:id/uncordon', (id) => `/nodes/${id}/uncordon`],
    ['DELETE', '/nodes/:id', (id) => `/nodes/${id}`],
    ['GET', '/pods/:id', (id) => `/pods/${id}`],
    ['GET', '/pods/:id/health', (id) => `/pods/${id}/health`],
    ['POST', '/pods/:id/restart', (id) => `/pods/${id}/restart`],
    ['DELETE', '/pods/:id', (id) => `/pods/${id}`],
  ];

  it('path parameters of /nodes/:id… and /pods/:id…', async () => {
    await runAll(
      fc.oneof({ weight: 3, arbitrary: encodedParams }, { weight: 1, arbitrary: rawParams }),
      runs(160),
      async (id) => {
        for (const [method, route, path] of routes) {
          const isHeartbeat = route === '/nodes/:id/heartbeat' || route === '/nodes/:id/watch';
          const body =
            route === '/nodes/:id/heartbeat'
              ? JSON.stringify({
                  pod_ids: [],
                  health_status: 'healthy',
                  components: WORKER_COMPONENTS,
                })
              : route === '/nodes/:id/watch'
                ? '{"pods_version":0,"timeout_ms":0}'
                : method === 'POST'
                  ? '{}'
                  : undefined;
          await check(
            `path :id of ${method} ${route}`,
            method,
            path(id),
            body,
            isHeartbeat ? { authorization: 'Bearer kshb_not-the-token' } : {},
            // an empty id is another route (POST /nodes//heartbeat): 404
            isHeartbeat
              ? (s) =>
                  s === 401 ||
                  s === 429 ||
                  s === 431 ||
                  (id === '' && s === 404) ||
                  (undecodable(id) && s === 400) ||
                  (!undecodable(id) && decodeURIComponent(id).length > 63 && s === 400)
                    ? null
                    : `expected 401 (or 429) for a bad token, got ${s}`
              : undefined,
          );
        }
      },
    );
    expectNoViolations(/^path :id/);
    // whatever the references, the heartbeat throttle holds at most one entry per node and
    // one for every unknown reference
    const [{ last }] = await t.sql<{ last: number }>(
      'SELECT last_value::int AS last FROM nodes_id_seq',
    );
    const throttled = (
      t.app.getHttpAdapter().getInstance() as unknown as { heartbeatThrottleSize(): number }
    ).heartbeatThrottleSize();
    expect(throttled).toBeLessThanOrEqual(last + 1);
  });

  // ---- what a hostile web page forges: writes that are not JSON, foreign Origin and Host ----
  it('forged browser requests: simple writes, foreign Origins, rebound Host names', async () => {
    const port = new URL(t.baseUrl).port;
    const own = `http://127.0.0.1:${port}`;
    // a node of its own: the path fuzzing above may have deleted the others
    const target = await healthyNode(t, unique('fz-target'), 2);
    await t.http.post('/pods').send(pod('fz-target-pod', 0.5)).expect(201);
    counts = await countRows();
    const writes: Array<[string, string, string | undefined]> = [
      ['POST', `/nodes/${target.id}/cordon`, undefined],
      ['POST', `/nodes/${target.id}/restart`, undefined],
      ['POST', `/nodes/${target.id}/stop`, ''],
      ['POST', '/nodes', '{"name":"fz-forged","cpu_cores":1}'],
      ['POST', '/pods', JSON.stringify(pod('fz-forged-pod', 0.1))],
      ['PUT', '/scheduler', '{"algorithm":"first-fit"}'],
      ['DELETE', '/pods/fz-target-pod', undefined],
      ['DELETE', `/nodes/${target.id}`, undefined],
      ['GET', '/nodes', undefined],
    ];
    // what a page can send without a preflight, and near misses of JSON
    const simpleType = fc.constantFrom<string | null>(
      null,
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'application/json-seq',
      'text/json',
      'json',
      '',
    );
    const origin = fc.oneof(
      fc.constantFrom(
        'null',
        'http://evil.test',
        `http://localhost:${port}`,
        `http://127.0.0.1:${Number(port) + 1}`,
        'file://',
        'http://127.0.0.1',
      ),
      fc.webUrl().map((u) => new URL(u).origin),
    );
    const host = fc.oneof(
      fc.constantFrom(
        'evil.test',
        `rebind.evil.test:${port}`,
        'localhost.evil.test',
        '127.0.0.1.evil.test',
        'bad host',
        '@',
        ':80',
      ),
      fc.domain().filter((d) => d !== 'localhost' && !d.endsWith('.localhost') && d !== hostname()),
    );
    await runAll(
      fc.tuple(
        fc.constantFrom(...writes),
        fc.oneof(
          simpleType.map((type) => ({ type, origin: null, host: null })),
          origin.map((o) => ({ type: 'application/json', origin: o, host: null })),
          host.map((h) => ({ type: 'application/json', origin: null, host: h })),
        ),
      ),
      runs(150),
      async ([[method, path, body], forged]) => {
        if (method === 'GET' && forged.origin === null && forged.host === null) return;
        const headers: Record<string, string | undefined> = {
          'content-type': forged.type ?? undefined,
        };
        if (forged.origin !== null) headers.origin = forged.origin;
        if (forged.host !== null) headers.host = forged.host;
        const expected = forged.origin !== null || forged.host !== null ? 403 : 415;
        await check('forged browser requests', method, path, body, headers, (s) =>
          s === expected ? null : `expected ${expected}, got ${s}`,
        );
      },
    );
    // the server's own page (same Origin, JSON) still acts
    const ok = await send(t.baseUrl, 'POST', `/nodes/${target.id}/cordon`, undefined, {
      origin: own,
    });
    expect(ok.status).toBe(200);
    expectNoViolations('forged browser requests');
    // that cordon went around check(), so the counts it changed (its event, the node) are
    // read again here: the next case compares with the cluster as this one left it
    counts = await settledRows();
  });

  // ---- query strings of the list endpoints ----
  it('query strings of the list endpoints', async () => {
    const value = fc
      .oneof(
        fc.string({ maxLength: 20 }),
        fc.integer().map(String),
        fc.double().map(String),
        fc.constantFrom(
          '',
          '-1',
          '0',
          '1e9',
          '99999999999999999999',
          'NaN',
          'healthy',
          'fuzz-node',
          'a'.repeat(5000),
        ),
      )
      .map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?')));
    const key = fc.constantFrom(
      'limit',
      'offset',
      'status',
      'node_type',
      'node',
      'type',
      'reason',
      'object',
      'access_token',
      'limit[]',
      'status[a]',
      '__proto__',
      'x',
    );
    await runAll(
      fc.tuple(
        fc.constantFrom('/nodes', '/pods', '/events', '/nodes/health', '/cluster', '/scheduler'),
        fc.array(fc.tuple(key, value), { maxLength: 4 }),
      ),
      runs(250),
      async ([path, params]) => {
        const query = params.map(([k, v]) => `${k}=${v}`).join('&');
        await check('GET list ?query', 'GET', query ? `${path}?${query}` : path);
      },
    );
    expectNoViolations('GET list ?query');
  });
});
