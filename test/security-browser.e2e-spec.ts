import { request as httpRequest } from 'node:http';
import { Api } from '../bench/lib/api';
import { runCli } from '../cli/testing/run-cli';
import { healthyNode, pod, startTestApp, TestApp } from './setup/test-app';

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
    for (const path of ['/', '/app.js', '/views/pods.js', '/styles/base.css', '/styles/panels.css'])
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
