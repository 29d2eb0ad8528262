import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Api } from '../bench/lib/api';
import { runCli } from '../cli/testing/run-cli';
import { passwordFile } from '../src/database/embedded-postgres';
import { PostgresProcess } from './setup/postgres-process';
import {
  beat,
  healthyNode,
  pod,
  startTestApp,
  TestApp,
  waitFor,
  WORKER_COMPONENTS,
} from './setup/test-app';

describe('security', () => {
  it('KUBESIM_API_TOKEN guards every mutating endpoint; reads and heartbeats stay open', async () => {
    const t = await startTestApp({ KUBESIM_API_TOKEN: 'admin-secret-token' });
    try {
      const auth = { Authorization: 'Bearer admin-secret-token' };
      const denied = await t.http.post('/nodes').send({ name: 'n1', cpu_cores: 2 }).expect(401);
      expect(denied.body.message).toMatch(/KUBESIM_API_TOKEN/);
      await t.http
        .post('/nodes')
        .set('Authorization', 'Bearer wrong')
        .send({ name: 'n1', cpu_cores: 2 })
        .expect(401);
      expect(await t.sql('SELECT * FROM nodes')).toEqual([]);
      const { body: node } = await t.http
        .post('/nodes')
        .set(auth)
        .send({ name: 'n1', cpu_cores: 2 })
        .expect(201);
      // the agent needs only its own token
      await t.http
        .post(`/nodes/${node.id}/heartbeat`)
        .set('Authorization', `Bearer ${node.heartbeat_token}`)
        .send({ pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS })
        .expect(200);
      await t.http.get('/nodes').expect(200);
      await t.http.get('/healthz').expect(200);
      await t.http.post('/pods').send(pod('p', 1)).expect(401);
      await t.http.put('/scheduler').send({ algorithm: 'first-fit' }).expect(401);
      await t.http.post('/nodes/n1/cordon').expect(401);
      await t.http.delete('/nodes/n1').expect(401);
      await t.http.post('/pods').set(auth).send(pod('p', 1)).expect(201);
      await t.http.delete('/pods/p').set(auth).expect(200);
      const doc = (await t.http.get('/docs-json')).body;
      expect(Object.keys(doc.components.securitySchemes)).toEqual(['api-token', 'heartbeat-token']);
    } finally {
      await t.close();
    }
  });

  it('KUBESIM_API_READ_TOKEN guards reads too; the read token cannot change anything', async () => {
    const t = await startTestApp({
      KUBESIM_API_TOKEN: 'writer-token-123',
      KUBESIM_API_READ_TOKEN: 'reader-token-123',
    });
    try {
      await t.http.get('/nodes').expect(401);
      await t.http.get('/nodes').set('Authorization', 'Bearer reader-token-123').expect(200);
      await t.http.get('/cluster').set('Authorization', 'Bearer writer-token-123').expect(200);
      await t.http.get('/events?access_token=reader-token-123').expect(200);
      await t.http
        .post('/nodes')
        .set('Authorization', 'Bearer reader-token-123')
        .send({ name: 'x', cpu_cores: 1 })
        .expect(401);
      await t.http.get('/healthz').expect(200);
      await t.http.get('/readyz').expect(200);
      // the Kubernetes API's paths are documented to anyone, as /docs is; its objects are not
      await t.http.get('/api/v1/pods').expect(401);
      const doc = await t.http.get('/docs/kubernetes-json').expect(200);
      expect(doc.body.paths['/api/v1/pods']).toBeDefined();
    } finally {
      await t.close();
    }
  });

  it('encrypts secret values at rest with KUBESIM_SECRET_KEY, and still hands them to their node', async () => {
    const t = await startTestApp({ KUBESIM_SECRET_KEY: 'a-long-enough-secret-key' });
    try {
      const node = await healthyNode(t, 'vault', 2);
      await t.http
        .post('/pods')
        .send({
          ...pod('sealed', 1),
          config: [{ name: 'db', type: 'secret', key: 'PASSWORD', value: 'plain-text-password' }],
        })
        .expect(201);
      const [row] = await t.sql<{ value: string }>(
        `SELECT value FROM config_items WHERE key = 'PASSWORD'`,
      );
      expect(row.value).toMatch(/^enc:v1:/);
      expect(row.value).not.toContain('plain-text-password');
      const answer = await t.http
        .post(`/nodes/${node.id}/heartbeat`)
        .set('Authorization', `Bearer ${node.token}`)
        .send({ pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS })
        .expect(200);
      expect(answer.body.pods[0].config[0].value).toBe('plain-text-password');
    } finally {
      await t.close();
    }
  });

  it('answers an oversize URL or a broken request line with a JSON 4xx, never a dropped connection', async () => {
    const t = await startTestApp();
    try {
      const { port } = new URL(t.baseUrl);
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = createConnection(Number(port), '127.0.0.1');
          let answer = '';
          socket.on('data', (d) => (answer += d.toString('utf8')));
          socket.on('end', () => resolve(answer));
          socket.on('error', reject);
          socket.end(request);
        });
      for (let round = 0; round < 20; round++) {
        const long = await raw(
          `GET /nodes/${'%E2%82%AC'.repeat(3000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
        );
        expect(long).toMatch(/^HTTP\/1\.1 431 /);
        expect(JSON.parse(long.slice(long.indexOf('\r\n\r\n') + 4))).toMatchObject({
          statusCode: 431,
          message: expect.stringMatching(/16 KB/),
        });
      }
      const broken = await raw('NOT HTTP AT ALL\r\n\r\n');
      expect(broken).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(broken.slice(broken.indexOf('\r\n\r\n') + 4)).statusCode).toBe(400);
    } finally {
      await t.close();
    }
  });

  it('sends helmet headers, and CORS only to the configured origins', async () => {
    const t = await startTestApp({ KUBESIM_CORS_ORIGINS: 'http://dashboard.test' });
    try {
      const res = await t.http.get('/nodes').set('Origin', 'http://dashboard.test').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['access-control-allow-origin']).toBe('http://dashboard.test');
      // any other page is refused outright (see "what a web page cannot do" below)
      const other = await t.http.get('/nodes').set('Origin', 'http://evil.test').expect(403);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('an Idempotency-Key makes a retried POST return the first answer instead of creating twice', async () => {
    const t = await startTestApp();
    try {
      await healthyNode(t, 'idem', 4);
      const first = await t.http
        .post('/pods')
        .set('Idempotency-Key', 'create-web-1')
        .send(pod('web-1', 1))
        .expect(201);
      const retry = await t.http
        .post('/pods')
        .set('Idempotency-Key', 'create-web-1')
        .send(pod('web-1', 1))
        .expect(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await t.sql(`SELECT id FROM pods WHERE name = 'web-1'`)).toHaveLength(1);
      // concurrent retries: one creation, the others the same answer or "in progress"
      const burst = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http
            .post('/nodes')
            .set('Idempotency-Key', 'node-k')
            .send({ name: 'twin', cpu_cores: 1 }),
        ),
      );
      expect(burst.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      expect(await t.sql(`SELECT id FROM nodes WHERE name = 'twin'`)).toHaveLength(1);
      const again = await t.http
        .post('/nodes')
        .set('Idempotency-Key', 'node-k')
        .send({ name: 'twin', cpu_cores: 1 })
        .expect(201);
      // without KUBESIM_SECRET_KEY the token is not stored, so a replay cannot carry it
      expect(again.body.id).toBe(burst.find((r) => r.status === 201)!.body.id);
      expect(again.body.heartbeat_token).toBeUndefined();
      await t.http
        .post('/nodes')
        .set('Idempotency-Key', 'create-web-1')
        .send({ name: 'other', cpu_cores: 1 })
        .expect(422);
      // a failed request does not consume its key
      await t.http
        .post('/pods')
        .set('Idempotency-Key', 'bad-then-good')
        .send({ name: 'Bad' })
        .expect(400);
      await t.http
        .post('/pods')
        .set('Idempotency-Key', 'bad-then-good')
        .send(pod('good', 1))
        .expect(201);
    } finally {
      await t.close();
    }
  });
});

describe('idempotency keys', () => {
  it('answers 422 when a key comes back with another body or path, and replays the same body in any key order', async () => {
    const t = await startTestApp();
    try {
      await healthyNode(t, 'idem-body', 4);
      const first = await t.http
        .post('/pods')
        .set('Idempotency-Key', 'same-key')
        .send(pod('first', 1))
        .expect(201);
      const other = await t.http
        .post('/pods')
        .set('Idempotency-Key', 'same-key')
        .send(pod('second', 1))
        .expect(422);
      expect(other.body.message).toMatch(/another request/);
      // the same key on another path is another request too
      await t.http
        .post('/nodes')
        .set('Idempotency-Key', 'same-key')
        .send({ name: 'idem-node', cpu_cores: 1 })
        .expect(422);
      expect(await t.sql(`SELECT id FROM nodes WHERE name = 'idem-node'`)).toEqual([]);
      expect(await t.sql(`SELECT name FROM pods ORDER BY name`)).toEqual([{ name: 'first' }]);
      const { containers, name } = pod('first', 1);
      const reordered = await t.http
        .post('/pods')
        .set('Idempotency-Key', 'same-key')
        .send({ containers, name })
        .expect(201);
      expect(reordered.body).toEqual(first.body);
    } finally {
      await t.close();
    }
  });

  it('never stores a heartbeat token in plain text: left out without KUBESIM_SECRET_KEY, encrypted with it', async () => {
    const envs: Array<Record<string, string>> = [
      {},
      { KUBESIM_SECRET_KEY: 'idempotency-secret-key' },
    ];
    for (const env of envs) {
      const t = await startTestApp(env);
      try {
        const created = await t.http
          .post('/nodes')
          .set('Idempotency-Key', 'register-n')
          .send({ name: 'n', cpu_cores: 1 })
          .expect(201);
        const token: string = created.body.heartbeat_token;
        expect(token).toMatch(/^kshb_/);
        const rows = await t.sql<{ body: string }>(
          `SELECT body::text AS body FROM idempotency_keys`,
        );
        expect(rows).toHaveLength(1);
        expect(rows[0].body).not.toContain(token);
        const replay = await t.http
          .post('/nodes')
          .set('Idempotency-Key', 'register-n')
          .send({ name: 'n', cpu_cores: 1 })
          .expect(201);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.body.heartbeat_token).toBe('KUBESIM_SECRET_KEY' in env ? token : undefined);
      } finally {
        await t.close();
      }
    }
  });
});

/** One request exactly as given: no header added (a browser's form post sends no JSON type). */
function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; type: string; json: { statusCode?: number; message?: string } }> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString('utf8')));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type'] ?? ''),
            json: JSON.parse(text),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('what a web page cannot do to a kubesim without a token', () => {
  let t: TestApp;
  let nodeId: number;
  beforeAll(async () => {
    t = await startTestApp({ KUBESIM_CORS_ORIGINS: 'http://dashboard.test' });
    nodeId = (await healthyNode(t, 'victim', 2)).id;
    await t.http.post('/pods').send(pod('victim-pod', 0.5)).expect(201);
  });
  afterAll(() => t.close());

  it("serves the dashboard's page, modules and styles, not the type declarations its check reads", async () => {
    for (const path of ['/', '/app.js', '/views/pods.js', '/styles.css'])
      expect((await t.http.get(path)).status).toBe(200);
    for (const path of ['/types.d.ts', '/tsconfig.json'])
      expect((await t.http.get(path)).status).toBe(404);
  });

  const state = async () =>
    (
      await t.sql<{ cordoned: boolean; pods: number; nodes: number }>(
        `SELECT (SELECT cordoned FROM nodes WHERE name = 'victim') AS cordoned,
                (SELECT count(*)::int FROM pods) AS pods, (SELECT count(*)::int FROM nodes) AS nodes`,
      )
    )[0];

  it('refuses every write that does not say JSON (415), body or not: no cross-site form can act', async () => {
    const before = await state();
    const writes: Array<[string, string, Record<string, string>, string?]> = [
      // what a page can send without a preflight: text/plain, a form, or no body at all
      ['POST', `/nodes/${nodeId}/cordon`, {}],
      ['POST', `/nodes/${nodeId}/restart`, {}],
      ['POST', `/nodes/${nodeId}/stop`, { 'content-type': 'text/plain' }, ''],
      [
        'POST',
        '/nodes/victim/cordon',
        { 'content-type': 'application/x-www-form-urlencoded' },
        'a=1',
      ],
      ['POST', '/pods', { 'content-type': 'text/plain' }, JSON.stringify(pod('csrf-pod', 0.1))],
      ['POST', '/nodes', { 'content-type': 'multipart/form-data; boundary=b' }, '--b--'],
      ['PUT', '/scheduler', { 'content-type': 'text/plain' }, '{"algorithm":"first-fit"}'],
      ['DELETE', '/pods/victim-pod', {}],
      ['DELETE', '/nodes/victim', { 'content-type': 'text/plain' }],
    ];
    for (const [method, path, headers, body] of writes) {
      const res = await rawRequest(t.baseUrl, method, path, headers, body);
      expect({ what: `${method} ${path}`, status: res.status, type: res.type }).toEqual({
        what: `${method} ${path}`,
        status: 415,
        type: expect.stringMatching(/^application\/json/),
      });
      expect(res.json).toMatchObject({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: expect.stringContaining('Content-Type: application/json'),
      });
    }
    expect(await state()).toEqual(before);
    expect((await t.http.get('/cluster').expect(200)).body.scheduler_algorithm).toBe('best-fit');
  });

  it('takes application/json with parameters and the +json family (kubectl patches)', async () => {
    for (const type of [
      'application/json; charset=utf-8',
      'Application/JSON',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/strategic-merge-patch+json',
      'application/vnd.kubesim+json; charset=utf-8',
    ]) {
      const res = await rawRequest(t.baseUrl, 'POST', '/nodes/victim/cordon', {
        'content-type': type,
      });
      expect({ type, status: res.status }).toEqual({ type, status: 200 });
      await t.http.post('/nodes/victim/uncordon').expect(200);
    }
    const created = await rawRequest(
      t.baseUrl,
      'POST',
      '/nodes',
      { 'content-type': 'application/merge-patch+json' },
      JSON.stringify({ name: 'patchy', cpu_cores: 1 }),
    );
    expect(created.status).toBe(201);
    await t.http.delete('/nodes/patchy').expect(200);
  });

  it("refuses a page from another origin (403), reads included; the server's own pages and listed origins pass", async () => {
    const before = await state();
    const own = new URL(t.baseUrl).origin;
    for (const origin of [
      'http://evil.test',
      'null',
      `http://localhost:${new URL(t.baseUrl).port}`,
      'https://127.0.0.1:1',
    ]) {
      for (const [method, path] of [
        ['POST', `/nodes/${nodeId}/cordon`],
        ['DELETE', '/pods/victim-pod'],
        ['GET', '/nodes'],
      ]) {
        const res = await rawRequest(t.baseUrl, method, path, {
          origin,
          'content-type': 'application/json',
        });
        expect({ origin, method, status: res.status }).toEqual({ origin, method, status: 403 });
        expect(res.json.message).toMatch(/KUBESIM_CORS_ORIGINS/);
      }
    }
    expect(await state()).toEqual(before);
    for (const origin of [own, 'http://dashboard.test']) {
      await t.http.post(`/nodes/${nodeId}/cordon`).set('Origin', origin).expect(200);
      await t.http.post(`/nodes/${nodeId}/uncordon`).set('Origin', origin).expect(200);
    }
  });

  it('answers only the Host names it knows: a rebound DNS name gets 403', async () => {
    const port = new URL(t.baseUrl).port;
    for (const host of [
      `rebind.evil.test:${port}`,
      'evil.test',
      'localhost.evil.test',
      'bad host',
    ]) {
      for (const [method, path] of [
        ['GET', '/nodes'],
        ['POST', `/nodes/${nodeId}/cordon`],
        ['POST', `/nodes/${nodeId}/heartbeat`],
      ]) {
        const res = await rawRequest(t.baseUrl, method, path, {
          host,
          'content-type': 'application/json',
        });
        expect({ host, path, status: res.status }).toEqual({ host, path, status: 403 });
        expect(res.json.message).toMatch(/KUBESIM_ALLOWED_HOSTS/);
      }
    }
    expect((await state()).cordoned).toBe(false);
    for (const host of [
      `localhost:${port}`,
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      'LOCALHOST',
      'web.localhost',
      '10.1.2.3:80',
    ]) {
      const res = await rawRequest(t.baseUrl, 'GET', '/nodes/health', { host });
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
  });

  it('allows the names in KUBESIM_ALLOWED_HOSTS and the host agents are given (KUBESIM_API_URL)', async () => {
    const t2 = await startTestApp({
      KUBESIM_ALLOWED_HOSTS: 'kubesim.lab, .example.org',
      KUBESIM_API_URL: 'http://api:3000',
    });
    try {
      for (const [host, status] of [
        ['kubesim.lab:3000', 200],
        ['KUBESIM.LAB', 200],
        ['example.org', 200],
        ['a.b.example.org:8080', 200],
        ['api:3000', 200],
        ['api', 200],
        ['notexample.org', 403],
        ['kubesim.lab.evil.test', 403],
      ] as const) {
        const res = await rawRequest(t2.baseUrl, 'GET', '/nodes', { host });
        expect({ host, status: res.status }).toEqual({ host, status });
      }
      const open = await startTestApp({ KUBESIM_ALLOWED_HOSTS: '*' });
      try {
        expect((await rawRequest(open.baseUrl, 'GET', '/nodes', { host: 'any.name' })).status).toBe(
          200,
        );
      } finally {
        await open.close();
      }
    } finally {
      await t2.close();
    }
  });
});

describe("kubesim's own clients against the guards", () => {
  it('the CLI and the bench client send their body-less writes as JSON', async () => {
    const t = await startTestApp();
    const bench = new Api(t.baseUrl);
    try {
      await healthyNode(t, 'client-node', 2);
      await t.http.post('/pods').send(pod('client-pod', 0.25)).expect(201);
      const cordon = await runCli(t.baseUrl, ['cordon', 'client-node']);
      expect(cordon).toMatchObject({ code: 0, stderr: '' });
      expect((await t.http.get('/nodes/client-node')).body.cordoned).toBe(true);
      expect(await runCli(t.baseUrl, ['uncordon', 'client-node'])).toMatchObject({ code: 0 });
      expect(await runCli(t.baseUrl, ['delete-pod', 'client-pod'])).toMatchObject({ code: 0 });
      await t.http.get('/pods/client-pod').expect(404);
      await bench.call('POST', '/nodes/client-node/cordon', undefined, { expect: 200 });
      await bench.call('DELETE', '/nodes/client-node', undefined, { expect: 200 });
      await t.http.get('/nodes/client-node').expect(404);
    } finally {
      bench.close();
      await t.close();
    }
  });
});

describe('heartbeat token throttling', () => {
  it("refuses a client that keeps guessing a node's token, without slowing the node itself", async () => {
    const t = await startTestApp();
    try {
      const victim = await healthyNode(t, 'victim', 1);
      const other = await healthyNode(t, 'bystander', 1);
      const body = { pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS };
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        statuses.push(
          (
            await t.http
              .post(`/nodes/${victim.id}/heartbeat`)
              .set('Authorization', `Bearer guess-${i}`)
              .send(body)
          ).status,
        );
      }
      expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
      // the node itself, with its own token, is never locked out by the guesser
      await t.http
        .post(`/nodes/${victim.id}/heartbeat`)
        .set('Authorization', `Bearer ${victim.token}`)
        .send(body)
        .expect(200);
      // another node from the same client is not affected
      await t.http
        .post(`/nodes/${other.id}/heartbeat`)
        .set('Authorization', `Bearer ${other.token}`)
        .send(body)
        .expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('guessing and memory', () => {
  it('throttles wrong API tokens per client (429 with Retry-After), refusing even the right token while blocked', async () => {
    const t = await startTestApp({ KUBESIM_API_TOKEN: 'the-right-api-token' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        statuses.push(
          (
            await t.http
              .post('/nodes')
              .set('Authorization', `Bearer guess-number-${i}`)
              .send({ name: `g${i}`, cpu_cores: 1 })
          ).status,
        );
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual([429, 429]);
      const blocked = await t.http
        .post('/nodes')
        .set('Authorization', 'Bearer the-right-api-token')
        .send({ name: 'late', cpu_cores: 1 })
        .expect(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.body.message).toMatch(/too many wrong API tokens/);
      // a guess that came right during the block would have said so: nothing was created
      expect(await t.sql('SELECT id FROM nodes')).toEqual([]);
      // reads without a read token stay open
      await t.http.get('/nodes').expect(200);
    } finally {
      await t.close();
    }
  });

  it('keys the heartbeat throttle on the node: 1, 01 and its name are one node, unknown refs one entry, long refs none', async () => {
    const t = await startTestApp();
    try {
      const node = await healthyNode(t, 'throttled', 1);
      const body = { pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS };
      const size = () =>
        (
          t.app.getHttpAdapter().getInstance() as unknown as { heartbeatThrottleSize(): number }
        ).heartbeatThrottleSize();
      const wrong = (ref: string) =>
        t.http.post(`/nodes/${ref}/heartbeat`).set('Authorization', 'Bearer kshb_wrong').send(body);
      const refs = [
        ...Array(4).fill(String(node.id)),
        ...Array(4).fill(`0${node.id}`),
        ...Array(2).fill('throttled'),
      ];
      for (const ref of refs) expect((await wrong(ref)).status).toBe(401);
      // the eleventh wrong token for this node, whichever way it is addressed
      expect((await wrong(`00${node.id}`)).status).toBe(429);
      expect((await wrong('throttled')).status).toBe(429);
      expect(size()).toBe(1);
      for (let i = 0; i < 300; i++) expect((await wrong(`nobody-${i}`)).status).toBeLessThan(500);
      expect(size()).toBe(2);
      for (const long of ['x'.repeat(64), '9'.repeat(64), 'y'.repeat(16000)]) {
        const res = await wrong(long);
        expect(res.status).toBe(400);
        expect(res.body.message).toMatch(/at most 63 characters/);
      }
      expect(size()).toBe(2);
      // the node itself still beats, by id and by name
      await beat(t, node.id, node.token);
      await beat(t, 'throttled', node.token);
    } finally {
      await t.close();
    }
  });

  it('authenticates a heartbeat addressed by name from memory, as one addressed by id (no database read)', async () => {
    const t = await startTestApp({ KUBESIM_REQUEST_TIMEOUT_MS: '3000' });
    const locker = new Client({ connectionString: t.databaseUrl });
    await locker.connect();
    try {
      const node = await healthyNode(t, 'by-name', 1);
      await beat(t, 'by-name', node.token);
      await beat(t, node.id, node.token);
      // while the nodes table is locked, anything that reads it waits (and would answer 503)
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE nodes IN ACCESS EXCLUSIVE MODE');
      await beat(t, node.id, node.token);
      await beat(t, 'by-name', node.token);
      await locker.query('ROLLBACK');
    } finally {
      await locker.end();
      await t.close();
    }
  });
});

describe('slow and greedy clients', () => {
  /** A raw socket: what it received, whether the server closed it, and a way to write more. */
  function rawClient(port: number) {
    const socket = createConnection(port, '127.0.0.1');
    const state = { received: '', closed: false };
    socket.on('data', (d) => (state.received += d.toString('utf8')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) =>
      socket.on('close', () => {
        state.closed = true;
        resolve();
      }),
    );
    const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    return { socket, state, closed, connected };
  }
  const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

  it('answers 408 to headers or a body that arrive too slowly, and keeps long answers (live stream, watch) open', async () => {
    const t = await startTestApp({
      KUBESIM_HEADERS_TIMEOUT_MS: '400',
      KUBESIM_REQUEST_READ_TIMEOUT_MS: '800',
    });
    try {
      const port = Number(new URL(t.baseUrl).port);
      const node = await healthyNode(t, 'slow-watch', 1);
      const [{ pods_version }] = await t.sql<{ pods_version: number }>(
        'SELECT pods_version FROM nodes WHERE id = $1',
        [node.id],
      );
      // a watch that outlasts the read timeout, and the live stream beside it
      const watch = t.http
        .post(`/nodes/${node.id}/watch`)
        .set('Authorization', `Bearer ${node.token}`)
        .send({ pods_version, timeout_ms: 2500 });
      const stream = rawClient(port);
      await stream.connected;
      stream.socket.write('GET /events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

      const headers = rawClient(port);
      await headers.connected;
      headers.socket.write('POST /pods HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // and never the rest
      const body = rawClient(port);
      await body.connected;
      body.socket.write(
        'POST /pods HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"na',
      );
      // one byte at a time keeps a body going, but never done
      const drip = setInterval(() => body.socket.write(' '), 100);
      await Promise.all([headers.closed, body.closed]);
      clearInterval(drip);
      for (const slow of [headers, body]) {
        expect(statusOf(slow.state.received)).toBe(408);
        expect(slow.state.received).toMatch(/took too long to arrive/);
      }
      expect(await t.sql('SELECT id FROM pods')).toEqual([]);

      const answered = await watch;
      expect(answered.status).toBe(200);
      expect(answered.body.changed).toBe(false);
      await t.http.post('/nodes/slow-watch/cordon').expect(200);
      await waitFor('the cordon event on the live stream', async () =>
        stream.state.received.includes('NodeNotSchedulable'),
      );
      expect(stream.state.closed).toBe(false);
      expect(statusOf(stream.state.received)).toBe(200);
      stream.socket.destroy();
    } finally {
      await t.close();
    }
  });

  it('caps connections per client and in total, answering 503 over the cap', async () => {
    const envs: Array<Record<string, string>> = [
      { KUBESIM_MAX_CONNECTIONS_PER_CLIENT: '4' },
      { KUBESIM_MAX_CONNECTIONS: '4', KUBESIM_MAX_CONNECTIONS_PER_CLIENT: '100' },
    ];
    for (const env of envs) {
      const t = await startTestApp(env);
      try {
        const port = Number(new URL(t.baseUrl).port);
        const held = Array.from({ length: 4 }, () => rawClient(port));
        await Promise.all(held.map((c) => c.connected));
        // a request on a held connection still works
        held[0].socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        await waitFor('the health answer', async () => statusOf(held[0].state.received) === 200);
        const over = rawClient(port);
        await over.connected;
        over.socket.write(
          'POST /nodes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{"name":"over","cpu_cores":1}',
        );
        await over.closed;
        expect(statusOf(over.state.received)).toBe(503);
        expect(over.state.received).toMatch(/connections/);
        expect(await t.sql(`SELECT id FROM nodes WHERE name = 'over'`)).toEqual([]);
        // a freed connection makes room again
        held[1].socket.destroy();
        await held[1].closed;
        await waitFor('room for a new connection', async () => {
          const res = await fetch(`${t.baseUrl}/healthz`).catch(() => null);
          return res?.status === 200;
        });
        for (const c of held) c.socket.destroy();
      } finally {
        await t.close();
      }
    }
  });
});

describe('the embedded database', () => {
  const refused = async (url: string) => {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return false;
    } catch (err) {
      return /password authentication failed/.test((err as Error).message);
    }
  };

  it('has a random password per data folder in a 0600 file, loopback only, and gives an old folder its own on first start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubesim-embedded-'));
    chmodSync(dir, 0o755);
    const folder = join(dir, 'pg');
    try {
      const db = new PostgresProcess(folder);
      await db.start();
      const file = passwordFile(folder);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(db.url).toContain(password);
      const legacyUrl = `postgres://postgres:kubesim@127.0.0.1:${db.port}/kubesim`;
      expect(await refused(legacyUrl)).toBe(true);
      const sql = new Client({ connectionString: db.url });
      await sql.connect();
      expect((await sql.query('SHOW listen_addresses')).rows[0].listen_addresses).toBe('127.0.0.1');
      expect(
        (await sql.query('SHOW unix_socket_directories')).rows[0].unix_socket_directories,
      ).toBe('');
      // a folder as kubesim made it before: the fixed password, no password file
      await sql.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`);
      await sql.query(`ALTER USER postgres WITH PASSWORD 'kubesim'`);
      await sql.end();
      await db.stop();
      rmSync(file);

      await db.start();
      try {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const migrated = readFileSync(file, 'utf8').trim();
        expect(migrated).not.toBe('kubesim');
        expect(await refused(`postgres://postgres:kubesim@127.0.0.1:${db.port}/kubesim`)).toBe(
          true,
        );
        const again = new Client({ connectionString: db.url });
        await again.connect();
        expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
        await again.end();
      } finally {
        await db.stop();
      }
      // and the next start takes the kept password
      await db.start();
      expect(db.url).toContain(readFileSync(file, 'utf8').trim());
      await db.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
