import {
  beat,
  healthyNode,
  pod,
  startTestApp,
  TestApp,
  waitFor,
  WORKER_COMPONENTS,
} from './setup/test-app';

describe('control plane API (real PostgreSQL, external agents)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('nodes', () => {
    it('registers a node pending, with a heartbeat token shown once and stored hashed', async () => {
      const res = await t.http
        .post('/nodes')
        .send({ name: 'n-reg', cpu_cores_avail: 2.5, labels: { zone: 'a' } })
        .expect(201);
      expect(res.body).toMatchObject({
        name: 'n-reg',
        node_type: 'worker',
        health_status: 'pending',
        cordoned: false,
        cpu_cores_total: 2.5,
        cpu_cores_allocated: 0,
        cpu_cores_avail: 2.5,
        cpu_cores_used: 0,
        labels: { zone: 'a' },
        pod_ids: [],
      });
      expect(typeof res.body.id).toBe('number');
      expect(res.body.heartbeat_token).toMatch(/^kshb_/);
      const [row] = await t.sql<{ token_hash: string; cpu_total_m: number }>(
        'SELECT token_hash, cpu_total_m FROM nodes WHERE id = $1',
        [res.body.id],
      );
      expect(row.cpu_total_m).toBe(2500);
      expect(row.token_hash).not.toContain(res.body.heartbeat_token);
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      const again = await t.http.get(`/nodes/${res.body.id}`).expect(200);
      expect(again.body.heartbeat_token).toBeUndefined();
    });

    it('turns healthy on its first heartbeat, by id or name, and records it', async () => {
      const { body: node } = await t.http
        .post('/nodes')
        .send({ name: 'n-beat', cpu_cores: 4 })
        .expect(201);
      const res = await beat(t, 'n-beat', node.heartbeat_token, { cpu_usage: 1.25 });
      expect(res.body).toMatchObject({
        node_id: node.id,
        health_status: 'healthy',
        terminate: false,
        pods: [],
      });
      const { body: got } = await t.http.get('/nodes/n-beat').expect(200);
      expect(got.health_status).toBe('healthy');
      expect(got.cpu_cores_used).toBe(1.25);
      expect(got.components).toEqual(WORKER_COMPONENTS);
      const { body: samples } = await t.http.get(`/nodes/${node.id}/heartbeats`).expect(200);
      expect(samples).toHaveLength(1);
      expect(samples[0].cpu_usage).toBe(1.25);
      const { body: events } = await t.http.get('/events?object=node/n-beat').expect(200);
      expect(events.map((e: { reason: string }) => e.reason)).toEqual([
        'NodeReady',
        'RegisteredNode',
      ]);
      // routine beats are answered from memory and written together each tick: none is lost
      for (let i = 0; i < 3; i++) await beat(t, node.id, node.heartbeat_token, { cpu_usage: 2 });
      await waitFor('the routine beats to be written', async () => {
        const { body: health } = await t.http.get('/nodes/health');
        return health.find((h: { name: string }) => h.name === 'n-beat').heartbeat_count === 4;
      });
      expect((await t.http.get('/nodes/n-beat')).body.cpu_cores_used).toBe(2);
    });

    it("answers 401 to a heartbeat without the node's own token, whatever the body", async () => {
      const a = await t.http.post('/nodes').send({ name: 'n-tok-a', cpu_cores: 1 }).expect(201);
      const b = await t.http.post('/nodes').send({ name: 'n-tok-b', cpu_cores: 1 }).expect(201);
      await t.http.post(`/nodes/${a.body.id}/heartbeat`).send({}).expect(401);
      await t.http
        .post(`/nodes/${a.body.id}/heartbeat`)
        .set('Authorization', `Bearer ${b.body.heartbeat_token}`)
        .send({ pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS })
        .expect(401);
      await t.http
        .post(`/nodes/${a.body.id}/heartbeat`)
        .set('Authorization', 'Bearer nope')
        .set('Content-Type', 'application/json')
        .send('{not json')
        .expect(401);
      await t.http
        .post(`/nodes/${a.body.id}/heartbeat`)
        .set('Authorization', `Bearer ${a.body.heartbeat_token}`)
        .send({ pod_ids: [], health_status: 'healthy' })
        .expect(400);
      const { body } = await t.http.get(`/nodes/${a.body.id}`).expect(200);
      expect(body.health_status).toBe('pending');
    });

    it('lists oldest first with filters, limit and offset', async () => {
      for (const name of ['n-list-1', 'n-list-2']) await healthyNode(t, name, 1);
      await t.http.post('/nodes').send({ name: 'n-list-pending', cpu_cores: 1 }).expect(201);
      const { body: all } = await t.http.get('/nodes').expect(200);
      expect(all.length).toBeGreaterThanOrEqual(3);
      const ids = all.map((n: { id: number }) => n.id);
      expect(ids).toEqual([...ids].sort((x, y) => x - y));
      const { body: healthy } = await t.http.get('/nodes?status=healthy').expect(200);
      const healthyNames = healthy.map((n: { name: string }) => n.name);
      expect(healthyNames).toEqual(expect.arrayContaining(['n-list-1', 'n-list-2']));
      expect(healthyNames).not.toContain('n-list-pending');
      expect(healthy.every((n: { health_status: string }) => n.health_status === 'healthy')).toBe(
        true,
      );
      const { body: page } = await t.http.get('/nodes?limit=1&offset=1').expect(200);
      expect(page).toHaveLength(1);
      expect(page[0].id).toBe(ids[1]);
      const { body: afterCursor } = await t.http.get(`/nodes?after=${ids[0]}&limit=2`).expect(200);
      expect(afterCursor.map((n: { id: number }) => n.id)).toEqual(ids.slice(1, 3));
      const { body: newest } = await t.http.get('/events?limit=2').expect(200);
      const { body: older } = await t.http.get(`/events?limit=2&after=${newest[1].id}`).expect(200);
      expect(Number(older[0].id)).toBeLessThan(Number(newest[1].id));
      await t.http.get('/nodes?after=-1').expect(400);
      // a bad offset or cursor is refused like a bad limit, never passed on to PostgreSQL
      for (const path of ['/nodes', '/pods', '/events']) {
        for (const [query, message] of [
          ['offset=abc', 'offset must be a whole number'],
          ['offset=-1', 'offset must be 0 or more'],
          ['offset=1.5', 'offset must be a whole number'],
          ['offset=99999999999999999999', 'offset must be at most 9007199254740991'],
          ['after=99999999999999999999', 'after must be at most 9007199254740991'],
        ]) {
          const res = await t.http.get(`${path}?${query}`).expect(400);
          expect(res.body.message).toEqual([message]);
        }
        // past every id a node or pod can have (PostgreSQL integers): simply nothing
        await t.http.get(`${path}?after=9007199254740991`).expect(200);
        await t.http.get(`${path}?offset=9007199254740991`).expect(200, []);
      }
      await t.http.get('/nodes?limit=100000').expect(200);
      await t.http.get('/nodes?limit=0').expect(400);
      await t.http.get('/nodes?status=zombie').expect(400);
    });

    it('409 on a duplicate name, 404 on an unknown id or name', async () => {
      await t.http.post('/nodes').send({ name: 'n-dup', cpu_cores: 1 }).expect(201);
      const res = await t.http.post('/nodes').send({ name: 'n-dup', cpu_cores: 1 }).expect(409);
      expect(res.body.message).toMatch(/already exists/);
      await t.http.get('/nodes/999999').expect(404);
      await t.http.get('/nodes/no-such-node').expect(404);
      await t.http.post('/nodes/no-such-node/cordon').expect(404);
      await t.http.delete('/nodes/999999').expect(404);
    });

    it('of concurrent deletes of one node, exactly one succeeds and one RemovingNode is recorded', async () => {
      const node = await healthyNode(t, 'n-del-race', 2);
      await t.http.post('/pods').send(pod('p-del-race', 0.5)).expect(201);
      // a second replica on the same database deletes at the same time
      const other = await startTestApp({}, { databaseUrl: t.databaseUrl });
      try {
        const answers = await Promise.all([
          ...Array.from({ length: 4 }, (_, i) =>
            t.http.delete(i % 2 ? '/nodes/n-del-race' : `/nodes/${node.id}`),
          ),
          ...Array.from({ length: 2 }, () => other.http.delete(`/nodes/${node.id}`)),
        ]);
        const statuses = answers.map((a) => a.status).sort();
        expect(statuses).toEqual([200, 404, 404, 404, 404, 404]);
      } finally {
        await other.close();
      }
      const events = await t.sql(
        `SELECT id FROM events WHERE reason = 'RemovingNode' AND object = 'node/n-del-race'`,
      );
      expect(events).toHaveLength(1);
      await t.http.delete('/pods/p-del-race').expect(200);
    });

    it('reports health with seconds since the last heartbeat', async () => {
      await healthyNode(t, 'n-health-beat', 1);
      await t.http.post('/nodes').send({ name: 'n-health-pending', cpu_cores: 1 }).expect(201);
      const { body } = await t.http.get('/nodes/health').expect(200);
      const beatNode = body.find((n: { name: string }) => n.name === 'n-health-beat');
      expect(beatNode.health_status).toBe('healthy');
      expect(beatNode.seconds_since_heartbeat).toBeGreaterThanOrEqual(0);
      expect(beatNode.missed_heartbeats).toBe(0);
      const pendingNode = body.find((n: { name: string }) => n.name === 'n-health-pending');
      expect(pendingNode.seconds_since_heartbeat).toBeNull();
    });

    it('says restart and failure need a managed runtime (409 with the external runtime)', async () => {
      await healthyNode(t, 'n-unmanaged', 1);
      const res = await t.http.post('/nodes/n-unmanaged/restart').expect(409);
      expect(res.body.message).toMatch(/external/);
      await t.http.post('/nodes/n-unmanaged/simulate/failure').send({ mode: 'crash' }).expect(409);
      await t.http
        .post('/nodes/n-unmanaged/simulate/failure')
        .send({ mode: 'explode' })
        .expect(400);
    });
  });

  describe('observability', () => {
    it('serves /healthz, /readyz, /metrics and the OpenAPI document', async () => {
      await t.http.get('/healthz').expect(200, { status: 'ok' });
      const ready = await t.http.get('/readyz').expect(200);
      expect(ready.body.database).toBe('up');
      const metrics = await t.http.get('/metrics').expect(200);
      expect(metrics.headers['content-type']).toMatch(/text\/plain/);
      expect(metrics.text).toMatch(/kubesim_nodes\{status="healthy"\} \d+/);
      expect(metrics.text).toMatch(/kubesim_heartbeats_total\{result="ok"\} \d+/);
      expect(metrics.text).toContain('kubesim_scheduling_duration_seconds_bucket');
      const doc = await t.http.get('/docs-json').expect(200);
      expect(doc.body.paths['/nodes'].post.operationId).toBe('createNode');
      const ui = await t.http.get('/docs').expect(200);
      expect(ui.text).toContain('swagger');
    });

    it('documents the Kubernetes API beside its own: a second /docs definition Postman imports', async () => {
      const ui = await t.http.get('/docs/swagger-ui-init.js').expect(200);
      expect(ui.text).toContain('/docs/kubernetes-json');
      const { body: doc } = await t.http.get('/docs/kubernetes-json').expect(200);
      expect(doc.openapi).toBe('3.0.0');
      // what discovery lists, with the verbs it gives
      const deployment = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
      expect(Object.keys(deployment).sort()).toEqual(['delete', 'get', 'patch', 'put']);
      expect(Object.keys(deployment.patch.requestBody.content)).toContain(
        'application/strategic-merge-patch+json',
      );
      expect(doc.paths['/api/v1/namespaces/{namespace}/pods'].post).toBeDefined();
      expect(doc.paths['/api/v1/pods'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['labelSelector', 'fieldSelector', 'watch']),
      );
      expect(
        doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'],
      ).toBeDefined();
      expect(doc.paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post).toBeDefined();
      // events are read-only: no write is documented for them
      expect(Object.keys(doc.paths['/api/v1/namespaces/{namespace}/events'])).toEqual(['get']);
      expect(doc.tags.map((g: { name: string }) => g.name)).toEqual(
        expect.arrayContaining([
          'v1',
          'apps/v1',
          'batch/v1',
          'autoscaling/v2',
          'networking.k8s.io/v1',
        ]),
      );
      // Postman imports it as it imports kubesim's own document
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { convert } = require('openapi-to-postmanv2') as {
        convert(
          input: { type: string; data: unknown },
          options: object,
          cb: (
            err: Error | null,
            r: { result: boolean; output?: Array<{ data: { item: unknown[] } }> },
          ) => void,
        ): void;
      };
      const converted = await new Promise<{
        result: boolean;
        output?: Array<{ data: { item: unknown[] } }>;
      }>((resolve, reject) =>
        convert({ type: 'json', data: doc }, {}, (err, r) => (err ? reject(err) : resolve(r))),
      );
      expect(converted.result).toBe(true);
      type Item = { item?: Item[]; request?: unknown };
      const requests = (items: Item[]): number =>
        items.reduce((n, i) => n + (i.item ? requests(i.item) : i.request ? 1 : 0), 0);
      // one request an operation of the document
      const operations = Object.values<object>(doc.paths).reduce(
        (n, item) => n + Object.keys(item).length,
        0,
      );
      expect(requests(converted.output![0].data.item as Item[])).toBe(operations);
    });

    it('documents each error status with its own example, and the tokens as opaque (not JWTs)', async () => {
      const { body: doc } = await t.http.get('/docs-json').expect(200);
      const examples = new Map<string, string>();
      for (const [path, item] of Object.entries<Record<string, { responses: object }>>(doc.paths)) {
        for (const [method, op] of Object.entries(item)) {
          for (const [status, response] of Object.entries<{
            content?: {
              'application/json'?: { example?: { statusCode: number }; schema?: { $ref?: string } };
            };
          }>(op.responses as never)) {
            const json = response.content?.['application/json'];
            // /readyz answers 503 with its own body; every other error has the common one
            if (Number(status) < 400 || !json?.schema?.$ref?.endsWith('/ErrorResponseDto'))
              continue;
            const example = json.example;
            expect({ at: `${method} ${path} ${status}`, statusCode: example?.statusCode }).toEqual({
              at: `${method} ${path} ${status}`,
              statusCode: Number(status),
            });
            examples.set(status, JSON.stringify(example));
          }
        }
      }
      expect([...examples.keys()].sort()).toEqual(
        expect.arrayContaining(['400', '401', '403', '404', '409', '413', '415', '503']),
      );
      expect(new Set(examples.values()).size).toBe(examples.size);
      expect(doc.paths['/nodes/{id}/cordon'].post.responses['415']).toBeDefined();
      expect(doc.paths['/nodes'].get.responses['415']).toBeUndefined();
      for (const scheme of Object.values<{ bearerFormat?: string; description: string }>(
        doc.components.securitySchemes,
      )) {
        expect(scheme.bearerFormat).not.toBe('JWT');
        expect(scheme.description).not.toMatch(/JWT/);
      }
    });

    it('streams a pod binding as a Scheduled event, the same one GET /events lists', async () => {
      await healthyNode(t, 'stream-node', 4);
      const stream = new AbortController();
      const res = await fetch(`${t.baseUrl}/events/stream`, { signal: stream.signal });
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = res.body!.getReader();
      try {
        const { body: created } = await t.http.post('/pods').send(pod('streamed', 0.5)).expect(201);
        let text = '';
        const deadline = Date.now() + 10_000;
        while (!text.includes('pod/streamed') && Date.now() < deadline) {
          const { value, done } = await reader.read();
          if (done) break;
          text += Buffer.from(value).toString('utf8');
        }
        const line = text
          .split('\n')
          .find((l) => l.startsWith('data:') && l.includes('pod/streamed'));
        expect(line).toBeDefined();
        const streamed = JSON.parse(line!.slice('data:'.length));
        expect(streamed).toMatchObject({
          type: 'Normal',
          reason: 'Scheduled',
          object: 'pod/streamed',
          message: `Successfully assigned streamed to ${created.node_name}`,
        });
        const { body: listed } = await t.http
          .get('/events')
          .query({ object: 'pod/streamed' })
          .expect(200);
        expect(listed).toEqual([streamed]);
      } finally {
        stream.abort();
      }
    });
  });
});
