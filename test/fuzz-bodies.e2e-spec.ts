import fc from 'fast-check';
import { configKeyProblem } from '../node-simulator/src/pod-rules';
import { bodies, validBeat } from './setup/fuzz-arbitraries';
import { fuzzSession, runs } from './setup/fuzz-session';
import { send } from './setup/raw-http-client';
import { pod, TestApp } from './setup/test-app';

/**
 * Property-based fuzzing of every request body (see test/setup/fuzz-session.ts for what each
 * case must hold): nodes, heartbeats, watches, simulated failures, pods (with idempotency keys
 * and config keys), the scheduler and the autoscaler.
 */
describe('fuzzing every request body and path parameter', () => {
  const fuzz = fuzzSession();
  const { violations, unique, countRows, check, expectNoViolations, runAll } = fuzz;
  let t: TestApp;
  let node: { id: number; token: string };
  beforeAll(() => ({ t, node } = fuzz));

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
    fuzz.counts = await countRows();
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
});
