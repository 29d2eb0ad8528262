import { createConnection } from 'node:net';
import { Client } from 'pg';
import { beat, healthyNode, startTestApp, waitFor, WORKER_COMPONENTS } from './setup/test-app';

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
