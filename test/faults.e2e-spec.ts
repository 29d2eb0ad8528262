import { ChildProcess, execFile, spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/migrate';
import { FAST } from './setup/cluster';
import { PostgresProcess } from './setup/postgres-process';
import {
  createTestDatabase,
  healthyNode,
  pod,
  startTestApp,
  TestApp,
  waitFor,
  WORKER_COMPONENTS,
} from './setup/test-app';

/**
 * One test per fault: the API killed under load, its database gone, the whole control
 * plane restarted under 1,000 nodes, the Docker engine gone, and a graceful shutdown.
 * Servers run as real child processes (`node dist/src/main.js`: run `npm run build`).
 */
const ROOT = join(__dirname, '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- a kubesim server as a child process ------------------------------------------------

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

class ServerProcess {
  child: ChildProcess | null = null;
  output = '';
  exited: Promise<Exit> = Promise.resolve({ code: null, signal: null });

  constructor(
    readonly port: number,
    readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** Starts it and waits until /healthz answers; rejects with its output if it exits first. */
  async start(timeoutMs = 60_000): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/root',
        NO_COLOR: '1',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        KUBESIM_API_URL: this.url,
        LOG_LEVEL: 'warn',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.output = '';
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    let gone: Exit | null = null;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        gone = { code, signal };
        resolve(gone);
      }),
    );
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (gone) {
        throw new Error(
          `the server exited (${JSON.stringify(gone)}) before answering:\n${this.output.slice(-3000)}`,
        );
      }
      const ok = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(
          `the server did not answer within ${timeoutMs} ms:\n${this.output.slice(-3000)}`,
        );
      await sleep(100);
    }
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for the exit; null when it did not come within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<Exit | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>(
      (resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)),
    );
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }
}

async function api<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T };
}

const beatBody = { pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS };

function beatOnce(base: string, id: number, token: string) {
  return api(base, 'POST', `/nodes/${id}/heartbeat`, beatBody, {
    authorization: `Bearer ${token}`,
  });
}

/**
 * A heartbeat on a connection of its own (`Connection: close`): the 1,000-node driver uses
 * these, so a stopped server refuses the next beat at once and no socket outlives a server.
 */
function beatWithoutKeepAlive(
  base: string,
  id: number,
  token: string,
): Promise<{ status: number }> {
  const { hostname, port } = new URL(base);
  const body = JSON.stringify(beatBody);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: 'POST',
        path: `/nodes/${id}/heartbeat`,
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          connection: 'close',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('heartbeat timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

async function registerNode(
  base: string,
  name: string,
  cpus: number,
  extra: Record<string, unknown> = {},
): Promise<{ id: number; token: string }> {
  const res = await api(base, 'POST', '/nodes', { name, cpu_cores: cpus, ...extra });
  if (res.status !== 201)
    throw new Error(`POST /nodes ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, token: res.body.heartbeat_token };
}

/** Runs `work` on every item with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const cores = (x: number) => Math.round(x * 1000);

/** Checks through the API that every node's allocation is the sum of its pods and no pod is on two nodes. */
async function checkAllocations(base: string) {
  const { body: nodes } = await api<any[]>(base, 'GET', '/nodes?limit=5000');
  const { body: pods } = await api<any[]>(base, 'GET', '/pods?limit=5000');
  const ids = pods.map((p) => p.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(pods.map((p) => p.name)).size).toBe(pods.length);
  const seenOn = new Map<number, number>();
  for (const node of nodes) {
    const { body: detail } = await api(base, 'GET', `/nodes/${node.id}`);
    for (const podId of detail.pod_ids as number[]) {
      expect({ pod: podId, alsoOn: seenOn.get(podId) }).toEqual({ pod: podId, alsoOn: undefined });
      seenOn.set(podId, node.id);
    }
    const bound = pods.filter((p) => p.node_id === node.id);
    expect({ node: node.name, allocatedM: cores(node.cpu_cores_allocated) }).toEqual({
      node: node.name,
      allocatedM: bound.reduce((sum, p) => sum + cores(p.cpu_cores_req), 0),
    });
    expect(cores(node.cpu_cores_allocated)).toBeLessThanOrEqual(cores(node.cpu_cores_total));
    expect(bound.map((p) => p.id).sort()).toEqual([...(detail.pod_ids as number[])].sort());
  }
  for (const p of pods) {
    if (p.node_id !== null) expect(seenOn.get(p.id)).toBe(p.node_id);
    else expect(p.status).toBe('pending');
  }
  return { nodes, pods };
}

/** A server that did not stop cleanly can leave its embedded PostgreSQL running: stop ours. */
async function stopOrphanPostgres(dataDir: string): Promise<void> {
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!(pid > 0) || !alive(pid)) return;
  // pids are reused: signal it only if it is still a PostgreSQL server
  if (!/postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) return;
  process.kill(pid, 'SIGINT'); // PostgreSQL's fast shutdown
  await waitFor('the embedded PostgreSQL to stop', async () => !alive(pid), 15_000).catch(
    () => undefined,
  );
}

// ---- the faults ------------------------------------------------------------------------

describe('faults', () => {
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  const server = (port: number, env: Record<string, string>) => {
    const s = new ServerProcess(port, env);
    servers.push(s);
    return s;
  };
  const tempDir = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    // the embedded PostgreSQL runs as the postgres user when we are root
    chmodSync(dir, 0o755);
    dirs.push(dir);
    return dir;
  };

  afterAll(async () => {
    for (const s of servers) await s.kill();
    for (const dir of dirs) {
      await stopOrphanPostgres(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('kill -9 of the API under load loses no acknowledged pod and no CPU', async () => {
    const databaseUrl = await createTestDatabase();
    const s = server(await freePort(), {
      DATABASE_URL: databaseUrl,
      RUNTIME: 'external',
      KUBESIM_DATA_DIR: tempDir('kubesim-k9-'),
      // no loop may repair an allocation behind our back: what the crash left is what we check
      KUBESIM_LOOPS: 'off',
    });
    await s.start();
    for (let i = 0; i < 4; i++) {
      const node = await registerNode(s.url, `k9-node-${i}`, 8);
      expect((await beatOnce(s.url, node.id, node.token)).status).toBe(200);
    }

    const acknowledged = new Map<string, { id: number; node_id: number | null; cpu: number }>();
    /** answered 200 to DELETE: must stay gone */
    const deleted = new Set<string>();
    /** in flight when the server died: there whole, or not at all */
    const unknown = new Set<string>();
    const cpus = [0.1, 0.25, 0.3, 0.5];
    const ROUNDS = 3;
    let storedInFlight = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let killed = false;
      const target = acknowledged.size + 80 + Math.floor(Math.random() * 80);
      const workers = Array.from({ length: 12 }, async (_, w) => {
        for (let i = 0; !killed; i++) {
          // one operation in five deletes an acknowledged pod
          const victim =
            i % 5 === 4
              ? [...acknowledged.keys()][(w * 7 + i) % Math.max(1, acknowledged.size)]
              : undefined;
          const name = victim ?? `k9-${round}-${w}-${i}`;
          const cpu = cpus[(w + i) % cpus.length];
          try {
            if (victim) {
              acknowledged.delete(victim);
              const res = await api(s.url, 'DELETE', `/pods/${victim}`);
              if (res.status !== 200)
                throw new Error(
                  `DELETE /pods/${victim}: ${res.status} ${JSON.stringify(res.body)}`,
                );
              deleted.add(victim);
              continue;
            }
            const res = await api(s.url, 'POST', '/pods', pod(name, cpu));
            if (res.status === 201)
              acknowledged.set(name, { id: res.body.id, node_id: res.body.node_id, cpu });
            else
              throw new Error(
                `POST /pods ${name}: ${res.status} ${JSON.stringify(res.body)}` +
                  (res.status >= 500 ? `\nserver log:\n${s.output.slice(-3000)}` : ''),
              );
          } catch (err) {
            if (!killed) throw err;
            unknown.add(name);
          }
        }
      });
      await waitFor(
        `${target} acknowledged pods`,
        async () => acknowledged.size >= target || killed,
        30_000,
        2,
      );
      killed = true;
      s.child!.kill('SIGKILL');
      await Promise.all(workers);
      expect((await s.exited).signal).toBe('SIGKILL');

      await s.start();
      const { pods } = await checkAllocations(s.url);
      const byName = new Map(pods.map((p: any) => [p.name, p]));
      const lost = [...acknowledged.keys()].filter((name) => !byName.has(name));
      expect(lost).toEqual([]);
      for (const [name, ack] of acknowledged) {
        const stored = byName.get(name);
        // a bound pod stays where it was bound (no node failed); a pending one may have been placed since
        expect({
          name,
          id: stored.id,
          node_id: ack.node_id === null ? null : stored.node_id,
        }).toEqual({
          name,
          id: ack.id,
          node_id: ack.node_id,
        });
        ack.node_id = stored.node_id;
      }
      expect([...deleted].filter((name) => byName.has(name))).toEqual([]);
      for (const name of unknown) {
        const stored = byName.get(name);
        if (stored) {
          expect(stored.containers).toHaveLength(1);
          // from now on it is as good as acknowledged
          acknowledged.set(name, {
            id: stored.id,
            node_id: stored.node_id,
            cpu: stored.cpu_cores_req,
          });
          storedInFlight++;
        } else deleted.add(name);
      }
      unknown.clear();
      const extra = pods.filter((p: any) => !acknowledged.has(p.name));
      expect(extra.map((p: any) => p.name)).toEqual([]);
    }
    console.log(
      `kill -9 under load, ${ROUNDS} rounds: ${acknowledged.size} pods held at the end, ${deleted.size} deleted or never stored, ` +
        `${storedInFlight} stored from requests in flight at a kill; none lost, allocations exact`,
    );
    await s.kill();
  }, 90_000);

  it('a database outage pauses the loops without declaring any node failed', async () => {
    const dir = tempDir('kubesim-dbdown-');
    const db = new PostgresProcess(join(dir, 'data'));
    let t: TestApp | null = null;
    const beating = new Map<string, boolean>();
    let stop = false;
    try {
      const url = await db.start();
      await runMigrations(url);
      t = await startTestApp({ ...FAST, RUNTIME: 'external' }, { databaseUrl: url });
      const app = t;
      const names = ['out-a', 'out-b', 'out-c'];
      const nodes = await Promise.all(names.map((n) => healthyNode(app, n, 2)));
      // each node beats every interval, as an agent would; during the outage its beats get 503s
      const loops = names.map(async (name, i) => {
        beating.set(name, true);
        while (!stop) {
          if (beating.get(name))
            await beatOnce(app.baseUrl, nodes[i].id, nodes[i].token).catch(() => undefined);
          await sleep(Number(FAST.HEARTBEAT_INTERVAL_MS));
        }
      });
      await sleep(1000);

      await db.stop();
      const outage = 2 * Number(FAST.NODE_FAILURE_TIMEOUT_MS);
      await sleep(outage);
      expect((await beatOnce(app.baseUrl, nodes[0].id, nodes[0].token)).status).toBe(503);
      // out-b and out-c resume later than out-a, within one timeout of the database's return
      // (agents back off while the API is down): a monitor that resumed without a fresh grace
      // period would fail them as soon as out-a's beat ended the all-nodes-silent guard
      beating.set('out-b', false);
      beating.set('out-c', false);
      await db.start(db.port);
      await waitFor(
        'the API to reach its database again',
        async () => (await beatOnce(app.baseUrl, nodes[0].id, nodes[0].token)).status === 200,
        30_000,
        100,
      );
      await sleep(Number(FAST.NODE_FAILURE_TIMEOUT_MS) / 4);
      beating.set('out-b', true);
      beating.set('out-c', true);
      await sleep(2 * Number(FAST.NODE_FAILURE_TIMEOUT_MS));

      const { body: failedEvents } = await app.http
        .get('/events?reason=NodeFailed&limit=100')
        .expect(200);
      expect(failedEvents).toEqual([]);
      const { body: list } = await app.http.get('/nodes').expect(200);
      // (registered at once: their ids, and so the list's order, may come in any order)
      expect(list.map((n: any) => [n.name, n.health_status]).sort()).toEqual(
        names.map((n) => [n, 'healthy']),
      );
      stop = true;
      await Promise.all(loops);
    } finally {
      stop = true;
      await t?.close().catch(() => undefined);
      await db.stop().catch(() => undefined);
    }
  }, 90_000);

  it('a control-plane restart under 1,000 beating nodes declares none failed', async () => {
    const NODES = 1000;
    const timings = {
      HEARTBEAT_INTERVAL_MS: '2000',
      NODE_FAILURE_TIMEOUT_MS: '10000',
      MONITOR_INTERVAL_MS: '250',
      RECOVERY_BACKOFF_MS: '200',
    };
    const timeoutMs = Number(timings.NODE_FAILURE_TIMEOUT_MS);
    const s = server(await freePort(), {
      ...timings,
      DATABASE_URL: await createTestDatabase(),
      RUNTIME: 'external',
      KUBESIM_DATA_DIR: tempDir('kubesim-restart-'),
    });
    await s.start();
    let driving = true;
    let driver: Promise<void> = Promise.resolve();
    try {
      const names = Array.from({ length: NODES }, (_, i) => `fleet-${i}`);
      const nodes: Array<{ id: number; token: string }> = [];
      await pool(names, 16, async (name) => {
        nodes.push(await registerNode(s.url, name, 4));
      });
      let beats = 0;
      let refused = 0;
      const rounds: number[] = [];
      // every node beats once per interval (or as fast as the server answers), from a bounded pool
      driver = (async () => {
        while (driving) {
          const started = Date.now();
          let answered = 0;
          await pool(nodes, 32, async (n) => {
            if (!driving) return;
            const ok = await beatWithoutKeepAlive(s.url, n.id, n.token).then(
              (r) => r.status === 200,
              () => false,
            );
            if (ok) answered++;
            else refused++;
          });
          beats += answered;
          if (answered === NODES) rounds.push(Date.now() - started);
          await sleep(Math.max(0, Number(timings.HEARTBEAT_INTERVAL_MS) - (Date.now() - started)));
        }
      })();
      await waitFor(
        `${NODES} nodes healthy`,
        async () => (await api(s.url, 'GET', '/cluster')).body.nodes.by_status.healthy === NODES,
        60_000,
        250,
      );

      // the whole control plane goes away for longer than the failure timeout
      const stopped = Date.now();
      s.child!.kill('SIGTERM');
      expect(await s.waitExit(20_000)).toEqual({ code: 0, signal: null });
      await sleep(Math.max(0, timeoutMs + 500 - (Date.now() - stopped)));
      const beatsBefore = beats;
      await s.start();
      const restarted = Date.now();
      // the first timeout after the restart, and a little more: the agents resumed at once
      while (Date.now() - restarted < timeoutMs + 3000) {
        const { body: failed } = await api(s.url, 'GET', '/events?reason=NodeFailed&limit=10');
        expect(failed).toEqual([]);
        await sleep(500);
      }
      const { body: listed } = await api<any[]>(s.url, 'GET', `/nodes?limit=${NODES}`);
      expect(listed).toHaveLength(NODES);
      const notHealthy = listed.filter((n) => n.health_status !== 'healthy');
      expect(notHealthy.map((n) => `${n.name}:${n.health_status}`)).toEqual([]);
      expect(beats).toBeGreaterThan(beatsBefore);
      const median = [...rounds].sort((a, b) => a - b)[rounds.length >> 1];
      console.log(
        `control-plane restart: ${NODES} nodes, down ${Date.now() - stopped - (Date.now() - restarted)} ms, ` +
          `${beats} beats answered, ${refused} refused while it was down; a round of ${NODES} beats took ` +
          `${median} ms (median), ${Math.max(...rounds)} ms (max)`,
      );
    } finally {
      driving = false;
      await driver.catch(() => undefined);
      await s.kill();
    }
  }, 120_000);

  describe('Docker engine outage (docker runtime)', () => {
    const SKIP = process.env.KUBESIM_SKIP_DOCKER === '1';
    const run = promisify(execFile);
    /** A unix socket that forwards to the real engine until we cut it: the engine "goes away". */
    let proxy: Server | null = null;
    const proxied = new Set<Socket>();
    let proxyPath = '';

    const startProxy = async (path: string) =>
      new Promise<void>((resolve, reject) => {
        proxy = createServer((client) => {
          const engine = createConnection('/var/run/docker.sock');
          proxied.add(client).add(engine);
          client.on('close', () => proxied.delete(client));
          engine.on('close', () => proxied.delete(engine));
          client.on('error', () => engine.destroy());
          engine.on('error', () => client.destroy());
          client.pipe(engine).pipe(client);
        });
        proxy.once('error', reject);
        proxy.listen(path, () => resolve());
      });
    const cutProxy = async () => {
      const p = proxy;
      proxy = null;
      for (const s of proxied) s.destroy();
      if (p) await new Promise<void>((r) => p.close(() => r()));
    };

    beforeAll(async () => {
      if (SKIP) {
        console.warn('*** KUBESIM_SKIP_DOCKER=1: the Docker engine outage tests are SKIPPED ***');
        return;
      }
      try {
        await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 20_000 });
      } catch (err) {
        throw new Error(
          `No Docker engine answers (docker info: ${((err as { stderr?: string }).stderr || (err as Error).message).trim()}). ` +
            'Start one with scripts/ci/ensure-docker.sh, or set KUBESIM_SKIP_DOCKER=1 to skip the Docker fault tests on purpose.',
        );
      }
    });
    afterAll(async () => {
      await cutProxy();
      if (proxyPath) rmSync(proxyPath, { force: true });
    });

    const dockerEnv = (dataDir: string, databaseUrl: string, dockerHost: string) => ({
      DATABASE_URL: databaseUrl,
      RUNTIME: 'docker',
      DOCKER_HOST: dockerHost,
      KUBESIM_DOCKER_NETWORK: 'host',
      KUBESIM_DOCKER_TIMEOUT_MS: '3000',
      // an image that does not exist and cannot be built here: no container is ever started
      KUBESIM_NODE_IMAGE: 'kubesim-node:faults-never-built',
      KUBESIM_NODE_BASE_IMAGE: 'kubesim-faults-no-such-base:none',
      KUBESIM_DATA_DIR: dataDir,
      KUBESIM_LOOPS: 'off',
    });

    /** What must hold while the engine is gone: node launches 503 and store nothing; the rest works. */
    async function checkEngineGone(s: ServerProcess, databaseUrl: string) {
      const refused = await api(s.url, 'POST', '/nodes', { name: 'needs-engine', cpu_cores: 2 });
      expect(refused.status).toBe(503);
      console.log(
        `POST /nodes without an engine: ${refused.status} ${JSON.stringify(refused.body)}`,
      );
      expect(String(refused.body.message)).toMatch(/docker|engine/i);
      expect(String(refused.body.message)).toMatch(
        /ENOENT|ECONNREFUSED|socket|connect|unreachable|answer/i,
      );
      const sql = new Client({ connectionString: databaseUrl });
      await sql.connect();
      try {
        expect(
          (await sql.query(`SELECT name FROM nodes WHERE name = 'needs-engine'`)).rows,
        ).toEqual([]);
      } finally {
        await sql.end();
      }
      // agents that need no engine carry on: an external node beats and takes a pod
      const ext = await registerNode(s.url, 'outside-agent', 2, { agent: 'external' });
      expect((await beatOnce(s.url, ext.id, ext.token)).status).toBe(200);
      const created = await api(s.url, 'POST', '/pods', pod('survives-engine-outage', 1));
      expect(created.status).toBe(201);
      expect(created.body.node_name).toBe('outside-agent');
      expect((await api(s.url, 'GET', '/readyz')).status).toBe(200);
    }

    (SKIP ? it.skip : it)(
      'the engine going away after boot: node launches answer 503, nothing half-stored, the rest works',
      async () => {
        proxyPath = join(tmpdir(), `kubesim-faults-docker-${process.pid}.sock`);
        rmSync(proxyPath, { force: true });
        await startProxy(proxyPath);
        const databaseUrl = await createTestDatabase();
        const s = server(
          await freePort(),
          dockerEnv(tempDir('kubesim-dockerdown-'), databaseUrl, `unix://${proxyPath}`),
        );
        await s.start();
        await cutProxy();
        rmSync(proxyPath, { force: true });
        await checkEngineGone(s, databaseUrl);
        await s.kill();
      },
      90_000,
    );

    (SKIP ? it.skip : it)(
      'no engine at boot: the API starts anyway and node launches answer 503 until one answers',
      async () => {
        const databaseUrl = await createTestDatabase();
        const s = server(
          await freePort(),
          dockerEnv(
            tempDir('kubesim-nodocker-'),
            databaseUrl,
            'unix:///tmp/kubesim-no-docker.sock',
          ),
        );
        await s.start(30_000);
        await checkEngineGone(s, databaseUrl);
        await s.kill();
      },
      90_000,
    );
  });

  describe('graceful shutdown', () => {
    let dataDir: string;
    const embeddedEnv = () => ({
      RUNTIME: 'process',
      KUBESIM_DATA_DIR: dataDir,
      HEARTBEAT_INTERVAL_MS: '500',
      NODE_FAILURE_TIMEOUT_MS: '3000',
      MONITOR_INTERVAL_MS: '250',
      RECOVERY_BACKOFF_MS: '300',
      LOG_LEVEL: 'log',
    });
    const embeddedPort = (s: ServerProcess) =>
      Number(/embedded PostgreSQL listening on 127\.0\.0\.1:(\d+)/.exec(s.output)?.[1]);
    const postmasterPid = () => join(dataDir, 'pg', 'postmaster.pid');

    /** SIGTERM, then what a clean stop looks like: exit 0 within 15 s. */
    async function terminate(s: ServerProcess): Promise<string[]> {
      const signalled = Date.now();
      s.child!.kill('SIGTERM');
      const exit = await s.waitExit(20_000);
      const took = Date.now() - signalled;
      const problems: string[] = [];
      if (!exit) problems.push('still running 20 s after SIGTERM');
      else if (exit.code !== 0 || exit.signal !== null)
        problems.push(`exited with ${JSON.stringify(exit)} after ${took} ms, not 0`);
      else if (took > 15_000) problems.push(`took ${took} ms to exit`);
      if (!exit) await s.kill();
      return problems;
    }

    beforeAll(() => {
      dataDir = tempDir('kubesim-graceful-');
    });

    it('SIGTERM (embedded PostgreSQL, process agents): in-flight requests complete, agents and the database stop, exit 0', async () => {
      const s = server(await freePort(), embeddedEnv());
      await s.start(90_000);
      for (const name of ['gs-a', 'gs-b']) await registerNode(s.url, name, 4);
      const outside = await registerNode(s.url, 'gs-outside', 2, { agent: 'external' });
      expect((await beatOnce(s.url, outside.id, outside.token)).status).toBe(200);
      await waitFor(
        'both agents healthy',
        async () => {
          const { body } = await api<any[]>(s.url, 'GET', '/nodes');
          return body.filter((n) => n.health_status === 'healthy').length === 3;
        },
        30_000,
      );

      const port = embeddedPort(s);
      expect(port).toBeGreaterThan(0);
      const sql = new Client({
        connectionString: `postgres://postgres:kubesim@127.0.0.1:${port}/kubesim`,
      });
      await sql.connect();
      const refs = (
        await sql.query(`SELECT runtime_ref FROM nodes WHERE runtime = 'process' ORDER BY name`)
      ).rows;
      await sql.end();
      const pids = refs.map((r) => Number(String(r.runtime_ref).replace('pid:', '')));
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(alive(pid)).toBe(true);

      // requests under way when the signal comes
      const requests: Array<[string, Promise<{ status: number; body: any }>]> = [
        ...Array.from({ length: 6 }, (_, i): [string, Promise<{ status: number; body: any }>] => [
          `POST /pods gs-pod-${i}`,
          api(s.url, 'POST', '/pods', pod(`gs-pod-${i}`, 0.25)),
        ]),
        ['POST /nodes gs-late', api(s.url, 'POST', '/nodes', { name: 'gs-late', cpu_cores: 1 })],
        ['GET /nodes', api(s.url, 'GET', '/nodes')],
        ['GET /cluster', api(s.url, 'GET', '/cluster')],
      ];
      await sleep(5);
      const stopping = terminate(s);
      const answers = await Promise.allSettled(requests.map(([, r]) => r));
      const problems = await stopping;
      answers.forEach((a, i) => {
        if (a.status === 'rejected')
          problems.push(`${requests[i][0]}: ${(a.reason as Error).message}`);
        else if (a.value.status >= 300)
          problems.push(`${requests[i][0]}: ${a.value.status} ${JSON.stringify(a.value.body)}`);
      });
      await waitFor(
        'the agents to be gone',
        async () => pids.every((pid) => !alive(pid)),
        5000,
      ).catch(() => problems.push(`agent pids still alive: ${pids.filter(alive).join(', ')}`));
      if (existsSync(postmasterPid()))
        problems.push(`${postmasterPid()} is still there (the embedded database did not stop)`);
      expect({ problems, output: problems.length ? s.output.slice(-1500) : '' }).toEqual({
        problems: [],
        output: '',
      });
    }, 120_000);

    it('after a graceful stop, the next server on the same folder takes the loops (the lock was released)', async () => {
      await stopOrphanPostgres(dataDir);
      const next = server(await freePort(), embeddedEnv());
      await next.start(90_000);
      await waitFor(
        'the silent external node failed by the new leader',
        async () => {
          const { body } = await api(next.url, 'GET', '/nodes/gs-outside');
          return body.health_status === 'failed';
        },
        20_000,
        200,
      );
      await waitFor(
        'its agents relaunched and healthy',
        async () => {
          const { body } = await api<any[]>(next.url, 'GET', '/nodes');
          return ['gs-a', 'gs-b'].every(
            (n) => body.find((x) => x.name === n)?.health_status === 'healthy',
          );
        },
        30_000,
      );
      await terminate(next);
      await stopOrphanPostgres(dataDir);
    }, 120_000);

    // the next two use a PostgreSQL of the suite, so that only the HTTP side of the stop is tested
    it("SIGTERM while a dashboard's live event stream is open: exit 0 within 15 s", async () => {
      const s = server(await freePort(), {
        DATABASE_URL: await createTestDatabase(),
        RUNTIME: 'external',
        KUBESIM_DATA_DIR: tempDir('kubesim-sse-'),
      });
      await s.start();
      const stream = new AbortController();
      const res = await fetch(`${s.url}/events/stream`, { signal: stream.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const drained = (async () => {
        try {
          while (!(await reader.read()).done);
        } catch {
          /* cut off */
        }
      })();
      const problems = await terminate(s);
      stream.abort();
      await drained;
      expect(problems).toEqual([]);
    }, 60_000);

    it('SIGTERM while clients keep busy keep-alive connections (a fleet, a poller): exit 0 within 15 s', async () => {
      const s = server(await freePort(), {
        DATABASE_URL: await createTestDatabase(),
        RUNTIME: 'external',
        KUBESIM_DATA_DIR: tempDir('kubesim-busy-'),
      });
      await s.start();
      let polling = true;
      let answered = 0;
      const pollers = Array.from({ length: 16 }, async () => {
        while (polling) {
          const ok = await api(s.url, 'GET', '/nodes').then(
            () => true,
            () => false,
          );
          if (ok) answered++;
          else await sleep(200);
        }
      });
      await waitFor('the pollers to run', async () => answered > 50, 10_000, 20);
      const problems = await terminate(s);
      polling = false;
      await Promise.all(pollers);
      expect(problems).toEqual([]);
    }, 60_000);
  });
});
