import { createConnection } from 'node:net';
import { healthyNode, pod, startTestApp, WORKER_COMPONENTS } from './setup/test-app';

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
