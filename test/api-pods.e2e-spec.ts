import { beat, healthyNode, pod, startTestApp, TestApp } from './setup/test-app';
import { waitForPodStatus } from './setup/pod-status';

describe('control plane API (real PostgreSQL, external agents): pods and the scheduler', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('binds a pod to a healthy node, gives it an IP from the node range, and the heartbeat delivers it', async () => {
    const node = await healthyNode(t, 'w1', 2);
    const res = await t.http.post('/pods').send(pod('p-one', 0.5)).expect(201);
    expect(res.body).toMatchObject({
      name: 'p-one',
      status: 'scheduled',
      node_id: node.id,
      node_name: 'w1',
      cpu_cores_req: 0.5,
    });
    expect(res.body.ip).toMatch(new RegExp(`^10\\.244\\.${node.id % 256}\\.\\d+$`));
    const { body: n } = await t.http.get('/nodes/w1').expect(200);
    expect(n).toMatchObject({
      cpu_cores_allocated: 0.5,
      cpu_cores_avail: 1.5,
      pod_ids: [res.body.id],
    });
    const answer = await beat(t, node.id, node.token, {
      pod_ids: [res.body.id],
      pods: [
        {
          id: res.body.id,
          status: 'running',
          containers: [{ name: 'main', status: 'running', restart_count: 0 }],
        },
      ],
    });
    expect(answer.body.pods.map((p: { name: string }) => p.name)).toEqual(['p-one']);
    const { body: running } = await t.http.get('/pods/p-one').expect(200);
    expect(running.status).toBe('running');
    expect(running.containers[0].status).toBe('running');
    const { body: health } = await t.http.get('/pods/p-one/health').expect(200);
    expect(health).toMatchObject({ status: 'running', node_name: 'w1', node_health: 'healthy' });
  });

  it('keeps a pod that fits nowhere pending with a reason, and binds it when room appears', async () => {
    const res = await t.http.post('/pods').send(pod('p-big', 3)).expect(201);
    expect(res.body.status).toBe('pending');
    expect(res.body.node_id).toBeNull();
    expect(res.body.reason).toBe('0/1 nodes are available: 1 Insufficient cpu.');
    const { body: failed } = await t.http.get('/events?reason=FailedScheduling').expect(200);
    expect(failed[0].object).toBe('pod/p-big');
    await healthyNode(t, 'w-big', 4);
    // the new node's first heartbeat triggers the retry
    const bound = await waitForPodStatus(t, 'p-big', 'scheduled');
    expect(bound.node_name).toBe('w-big');
    expect(bound.reason).toBeNull();
  });

  it('places by each algorithm, cluster-wide and per pod', async () => {
    const t3 = await startTestApp();
    try {
      await healthyNode(t3, 'a', 4);
      await healthyNode(t3, 'b', 2);
      await healthyNode(t3, 'c', 3);
      const place = async (name: string, extra: Record<string, unknown> = {}) =>
        (
          await t3.http
            .post('/pods')
            .send(pod(name, 1, extra))
            .expect(201)
        ).body.node_name;
      // best-fit (default): least room left that still fits → b (2 cores)
      expect((await t3.http.get('/scheduler').expect(200)).body).toEqual({
        algorithm: 'best-fit',
        algorithms: ['first-fit', 'best-fit', 'worst-fit', 'round-robin'],
      });
      expect(await place('bf-1')).toBe('b');
      // worst-fit per pod: most room → a (4)
      expect(await place('wf-1', { scheduler_algorithm: 'worst-fit' })).toBe('a');
      await t3.http.put('/scheduler').send({ algorithm: 'first-fit' }).expect(200);
      // first-fit: oldest node that fits → a
      expect(await place('ff-1')).toBe('a');
      await t3.http.put('/scheduler').send({ algorithm: 'round-robin' }).expect(200);
      const rr = [await place('rr-1'), await place('rr-2'), await place('rr-3')];
      expect(new Set(rr).size).toBe(3);
      await t3.http.put('/scheduler').send({ algorithm: 'fastest' }).expect(400);
      const { body: cluster } = await t3.http.get('/cluster').expect(200);
      expect(cluster.scheduler_algorithm).toBe('round-robin');
      expect(cluster.nodes).toEqual({ total: 3, by_status: { healthy: 3 } });
      expect(cluster.cpu).toMatchObject({
        total_cores: 9,
        allocated_cores: 6,
        available_cores: 3,
      });
      expect(cluster.utilisation.allocated_pct).toBeCloseTo(66.7, 1);
    } finally {
      await t3.close();
    }
  });

  it('never overcommits: 200 concurrent creations against 16 free cores bind exactly 16', async () => {
    const t4 = await startTestApp();
    try {
      for (const name of ['c1', 'c2', 'c3', 'c4']) await healthyNode(t4, name, 4);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => t4.http.post('/pods').send(pod(`burst-${i}`, 1))),
      );
      expect(results.every((r) => r.status === 201)).toBe(true);
      const bound = results.filter((r) => r.body.status === 'scheduled');
      expect(bound).toHaveLength(16);
      const rows = await t4.sql<{ name: string; total: number; allocated: number; sum: number }>(
        `SELECT n.name, n.cpu_total_m AS total, n.cpu_allocated_m AS allocated,
                COALESCE(sum(p.cpu_req_m), 0)::int AS sum
           FROM nodes n LEFT JOIN pods p ON p.node_id = n.id GROUP BY n.id ORDER BY n.id`,
      );
      for (const r of rows) {
        expect(r.allocated).toBe(r.sum);
        expect(r.allocated).toBeLessThanOrEqual(r.total);
      }
      const ips = bound.map((r) => r.body.ip);
      expect(new Set(ips).size).toBe(16);
    } finally {
      await t4.close();
    }
  });

  it('POD_UNSCHEDULABLE=reject answers 409 with the reason and stores nothing', async () => {
    const t5 = await startTestApp({ POD_UNSCHEDULABLE: 'reject' });
    try {
      await healthyNode(t5, 'tiny', 1);
      const res = await t5.http.post('/pods').send(pod('too-big', 2)).expect(409);
      expect(res.body.message).toBe('0/1 nodes are available: 1 Insufficient cpu.');
      expect(await t5.sql('SELECT * FROM pods')).toEqual([]);
      expect(await t5.sql('SELECT * FROM containers')).toEqual([]);
    } finally {
      await t5.close();
    }
  });

  it('validates pods: names, containers, volumes, config, unknown fields', async () => {
    const bad: unknown[] = [
      { name: 'no-containers', containers: [] },
      { name: 'Bad', containers: [{ name: 'm', image: 'x', cpu_req: 1, memory_req: 1 }] },
      { name: 'neg', containers: [{ name: 'm', image: 'x', cpu_req: -1, memory_req: 1 }] },
      { name: 'zero', containers: [{ name: 'm', image: 'x', cpu_req: 0, memory_req: 1 }] },
      {
        name: 'extra',
        containers: [{ name: 'm', image: 'x', cpu_req: 1, memory_req: 1, gpu: 1 }],
      },
      {
        name: 'dup',
        containers: [
          { name: 'm', image: 'x', cpu_req: 1, memory_req: 1 },
          { name: 'm', image: 'y', cpu_req: 1, memory_req: 1 },
        ],
      },
      { ...pod('vol', 1), volumes: [{ name: 'v', type: 'nfs', size: 1, path: '/v' }] },
      { ...pod('cfg', 1), config: [{ name: 'c', type: 'file', key: 'k', value: 'v' }] },
      {
        ...pod('cmd', 1),
        containers: [{ name: 'm', image: 'x', cpu_req: 1, memory_req: 1, command: [1, 2] }],
      },
      { ...pod('algo', 1), scheduler_algorithm: 'random' },
      { ...pod('cpu', 1), cpu_cores_req: 0 },
    ];
    const before = await t.sql('SELECT count(*)::int AS n FROM pods');
    for (const body of bad)
      await t.http
        .post('/pods')
        .send(body as object)
        .expect(400);
    expect(await t.sql('SELECT count(*)::int AS n FROM pods')).toEqual(before);
    const allocated = async () =>
      (await t.sql<{ m: number }>('SELECT sum(cpu_allocated_m)::int AS m FROM nodes'))[0].m;
    const room = await allocated();
    await t.http.post('/pods').send(pod('p-one', 0.1)).expect(409);
    // the same new name five times at once (one batch): one pod, four 409s, room for one
    const statuses = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.http
          .post('/pods')
          .send(pod('p-twin', 0.1))
          .then((r) => r.status),
      ),
    );
    expect(statuses.sort()).toEqual([201, 409, 409, 409, 409]);
    expect(await allocated()).toBe(room + 100);
    await t.http.delete('/pods/p-twin').expect(200);
    await t.http.get('/pods/999999').expect(404);
    await t.http.get('/pods?status=weird').expect(400);
  });

  it('keeps secrets out of every response but the heartbeat answer to their own node', async () => {
    const node = await healthyNode(t, 'w-secret', 2);
    await t.http.post('/nodes/w1/cordon').expect(200);
    await t.http.post('/nodes/w-big/cordon').expect(200);
    const body = {
      ...pod('p-secret', 0.5),
      command: undefined,
      volumes: [
        { name: 'scratch', type: 'emptyDir', size: 1, path: '/scratch' },
        { name: 'creds', type: 'secret', size: 0, path: '/etc/creds' },
      ],
      config: [
        { name: 'env', type: 'env', key: 'MODE', value: 'prod' },
        { name: 'creds', type: 'secret', key: 'DB_PASSWORD', value: 'hunter2-very-secret' },
      ],
    };
    delete (body as Record<string, unknown>).command;
    const created = await t.http.post('/pods').send(body).expect(201);
    expect(created.body.node_name).toBe('w-secret');
    const responses = [
      created.text,
      (await t.http.get('/pods/p-secret')).text,
      (await t.http.get('/pods')).text,
      (await t.http.get('/pods/p-secret/health')).text,
      (await t.http.get('/events?limit=1000')).text,
      (await t.http.get('/nodes/w-secret')).text,
    ];
    for (const text of responses) expect(text).not.toContain('hunter2-very-secret');
    expect(created.body.config.find((c: { key: string }) => c.key === 'DB_PASSWORD').value).toBe(
      '******',
    );
    expect(created.body.config.find((c: { key: string }) => c.key === 'MODE').value).toBe('prod');
    const answer = await beat(t, node.id, node.token);
    const assigned = answer.body.pods.find((p: { name: string }) => p.name === 'p-secret');
    expect(assigned.config.find((c: { key: string }) => c.key === 'DB_PASSWORD').value).toBe(
      'hunter2-very-secret',
    );
    expect(assigned.volumes).toHaveLength(2);
    await t.http.post('/nodes/w1/uncordon').expect(200);
    await t.http.post('/nodes/w-big/uncordon').expect(200);
  });

  it('splits a string command as a shell would', async () => {
    const res = await t.http
      .post('/pods')
      .send({
        name: 'p-cmd',
        containers: [
          {
            name: 'm',
            image: 'x',
            cpu_req: 0.1,
            memory_req: 1,
            command: 'sh -c "echo hi there"',
            args: 'a b',
          },
        ],
      })
      .expect(201);
    expect(res.body.containers[0].command).toEqual(['sh', '-c', 'echo hi there']);
    expect(res.body.containers[0].args).toEqual(['a', 'b']);
  });

  it("refuses a cpu_cores_req below the sum of the containers' cpu_req, naming both", async () => {
    const body = {
      name: 'p-underreq',
      cpu_cores_req: 0.1,
      containers: [
        { name: 'a', image: 'x', cpu_req: 0.25, memory_req: 1 },
        { name: 'b', image: 'x', cpu_req: 0.5, memory_req: 1 },
      ],
    };
    const res = await t.http.post('/pods').send(body).expect(400);
    expect(res.body.message).toBe(
      "cpu_cores_req (0.1) is less than the sum of the containers' cpu_req (0.75): give at least 0.75, or leave it out",
    );
    expect(await t.sql("SELECT id FROM pods WHERE name = 'p-underreq'")).toEqual([]);
    const ok = await t.http
      .post('/pods')
      .send({ ...body, cpu_cores_req: 0.75 })
      .expect(201);
    expect(ok.body.cpu_cores_req).toBe(0.75);
    await t.http.delete('/pods/p-underreq').expect(200);
  });

  it('keeps container limits and refuses a request over its limit, storing nothing', async () => {
    const body = {
      name: 'p-limits',
      containers: [{ name: 'a', image: 'x', cpu_req: 0.5, memory_req: 64, cpu_limit: 0.25 }],
    };
    const res = await t.http.post('/pods').send(body).expect(400);
    expect(res.body.message).toBe(
      'containers[0].cpu_req (0.5) must be less than or equal to its cpu_limit (0.25)',
    );
    const mem = await t.http
      .post('/pods')
      .send({ ...body, containers: [{ ...body.containers[0], cpu_limit: 1, memory_limit: 32 }] })
      .expect(400);
    expect(mem.body.message).toMatch(
      /memory_req \(64\) must be less than or equal to its memory_limit \(32\)/,
    );
    expect(await t.sql("SELECT id FROM pods WHERE name = 'p-limits'")).toEqual([]);
    const ok = await t.http
      .post('/pods')
      .send({ ...body, containers: [{ ...body.containers[0], cpu_limit: 1, memory_limit: 128 }] })
      .expect(201);
    expect(ok.body.containers[0]).toMatchObject({
      cpu_req: 0.5,
      cpu_limit: 1,
      memory_limit: 128,
    });
    const { body: read } = await t.http.get('/pods/p-limits').expect(200);
    expect(read.containers[0]).toMatchObject({ cpu_limit: 1, memory_limit: 128 });
    // none given, none shown
    const plain = await t.http
      .post('/pods')
      .send({
        name: 'p-nolimits',
        containers: [{ name: 'a', image: 'x', cpu_req: 0.5, memory_req: 64 }],
      })
      .expect(201);
    expect(plain.body.containers[0]).not.toHaveProperty('cpu_limit');
    await t.http.delete('/pods/p-limits').expect(200);
    await t.http.delete('/pods/p-nolimits').expect(200);
  });

  it('takes null for an optional field as not given (fuzz seed 21525302 found a 500)', async () => {
    const res = await t.http
      .post('/pods')
      .send({
        name: 'p-nulls',
        cpu_cores_req: null,
        memory_mb_req: null,
        scheduler_algorithm: null,
        containers: [
          { name: 'm', image: 'x', cpu_req: 0.1, memory_req: 1, command: null, args: null },
        ],
        volumes: null,
        config: null,
      })
      .expect(201);
    expect(res.body).toMatchObject({ cpu_cores_req: 0.1, memory_mb_req: 1 });
    expect(res.body.containers[0]).toMatchObject({ command: [], args: [] });
    const { body: stored } = await t.http.get('/pods/p-nulls').expect(200);
    expect(stored.containers[0]).toMatchObject({ command: [], args: [] });
  });

  it('deletes a pod, freeing its CPU at once; the node drops it on its next heartbeat', async () => {
    const { body: before } = await t.http.get('/nodes/w1').expect(200);
    const created = await t.http
      .post('/pods')
      .send(pod('p-del', 0.25, { scheduler_algorithm: 'first-fit' }))
      .expect(201);
    expect(created.body.node_name).toBe('w1');
    await t.http.delete('/pods/p-del').expect(200);
    const { body: after } = await t.http.get('/nodes/w1').expect(200);
    expect(after.cpu_cores_allocated).toBe(before.cpu_cores_allocated);
    await t.http.get('/pods/p-del').expect(404);
    await t.http.delete('/pods/p-del').expect(404);
  });

  it('filters pods by status and node', async () => {
    const { body: mine } = await t.http
      .post('/pods')
      .send(pod('p-filter', 0.1, { scheduler_algorithm: 'first-fit' }))
      .expect(201);
    expect(mine.node_name).toBe('w1');
    const { body: onW1 } = await t.http.get('/pods?node=w1').expect(200);
    expect(onW1.map((p: { name: string }) => p.name)).toContain('p-filter');
    expect(onW1.every((p: { node_name: string }) => p.node_name === 'w1')).toBe(true);
    const { body: running } = await t.http.get('/pods?status=running').expect(200);
    expect(running.map((p: { name: string }) => p.name)).toContain('p-one');
  });

  it('drains a deleted node: its pods go back through the scheduler', async () => {
    const t6 = await startTestApp();
    try {
      await healthyNode(t6, 'd1', 2);
      const p = await t6.http.post('/pods').send(pod('drain-me', 1)).expect(201);
      expect(p.body.node_name).toBe('d1');
      await healthyNode(t6, 'd2', 2);
      const res = await t6.http.delete('/nodes/d1').expect(200);
      expect(res.body).toMatchObject({
        deleted: true,
        name: 'd1',
        rescheduled_pod_ids: [p.body.id],
      });
      const { body: moved } = await t6.http.get('/pods/drain-me').expect(200);
      expect(moved).toMatchObject({ node_name: 'd2', status: 'scheduled' });
      await t6.http.delete('/nodes/d2').expect(200);
      const { body: waiting } = await t6.http.get('/pods/drain-me').expect(200);
      expect(waiting).toMatchObject({
        status: 'pending',
        node_id: null,
        reason: '0/1 nodes are available: 1 node(s) were unschedulable.',
      });
    } finally {
      await t6.close();
    }
  });

  it("namespaces: GET /pods shows each pod's namespace, ?namespace= filters and addresses, a bare name means default", async () => {
    await healthyNode(t, 'ns-w', 2);
    await t.http
      .post('/api/v1/namespaces')
      .send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } })
      .expect(201);
    // the same name in two namespaces, at once (one batch of the fast path): two pods
    const made = await Promise.all([
      t.http.post('/pods').send(pod('ns-twin', 0.1)),
      t.http.post('/pods').send({ ...pod('ns-twin', 0.1), namespace: 'ops' }),
    ]);
    expect(made.map((r) => [r.status, r.body.namespace])).toEqual([
      [201, 'default'],
      [201, 'ops'],
    ]);
    const { body: all } = await t.http.get('/pods?limit=1000').expect(200);
    expect(
      all
        .filter((p: { name: string }) => p.name === 'ns-twin')
        .map((p: { namespace: string }) => p.namespace)
        .sort(),
    ).toEqual(['default', 'ops']);
    expect(all.every((p: { namespace?: string }) => typeof p.namespace === 'string')).toBe(true);
    const { body: ops } = await t.http.get('/pods?namespace=ops').expect(200);
    expect(ops.map((p: { name: string }) => p.name)).toEqual(['ns-twin']);
    expect((await t.http.get('/pods/ns-twin').expect(200)).body.id).toBe(made[0].body.id);
    expect((await t.http.get('/pods/ns-twin?namespace=ops').expect(200)).body.id).toBe(
      made[1].body.id,
    );
    // a numeric id is found in its own namespace only when one is given
    await t.http.get(`/pods/${made[1].body.id}?namespace=default`).expect(404);
    await t.http.get(`/pods/${made[1].body.id}`).expect(200);
    await t.http.get('/pods?namespace=Not_A_Label').expect(400);
    // each Scheduled event is in its pod's namespace
    const { body: opsEvents } = await t.http.get('/events?namespace=ops').expect(200);
    expect(opsEvents.map((e: { reason: string; object: string }) => [e.reason, e.object])).toEqual([
      ['Scheduled', 'pod/ns-twin'],
    ]);
    // a missing namespace: a clear 404, nothing stored
    const before = await t.sql('SELECT count(*)::int AS n FROM pods');
    const missing = await t.http
      .post('/pods')
      .send({ ...pod('ns-lost', 0.1), namespace: 'nowhere' })
      .expect(404);
    expect(missing.body.message).toBe('namespace "nowhere" not found');
    expect(await t.sql('SELECT count(*)::int AS n FROM pods')).toEqual(before);
    // deleting by name in a namespace deletes that one only
    await t.http.delete('/pods/ns-twin?namespace=ops').expect(200);
    await t.http.get('/pods/ns-twin?namespace=ops').expect(404);
    expect((await t.http.get('/pods/ns-twin').expect(200)).body.namespace).toBe('default');
    await t.http.delete('/pods/ns-twin').expect(200);
  });
});
