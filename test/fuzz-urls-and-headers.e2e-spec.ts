import fc from 'fast-check';
import { hostname } from 'node:os';
import { bodies, validBeat } from './setup/fuzz-arbitraries';
import { JSON_TYPE, undecodable } from './setup/fuzz-checks';
import { fuzzSession, runs } from './setup/fuzz-session';
import { send } from './setup/raw-http-client';
import { healthyNode, pod, TestApp, WORKER_COMPONENTS } from './setup/test-app';

/**
 * Property-based fuzzing of what is not a body (see test/setup/fuzz-session.ts for what each
 * case must hold): missing and wrong tokens, the path parameters of every route, what a
 * hostile web page forges (writes that are not JSON, foreign Origin and Host), and the query
 * strings of the list endpoints.
 */
describe('fuzzing every request body and path parameter', () => {
  const fuzz = fuzzSession();
  const { unique, countRows, settledRows, check, expectNoViolations, runAll } = fuzz;
  let t: TestApp;
  let node: { id: number; token: string };
  let otherNode: { id: number; token: string };
  beforeAll(() => ({ t, node, otherNode } = fuzz));

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
    fuzz.counts = await countRows();
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
    fuzz.counts = await settledRows();
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
