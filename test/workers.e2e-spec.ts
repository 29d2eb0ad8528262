import { request as httpRequest } from 'node:http';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { callJson } from '../scripts/lib/http';
import { ServerProcess, sleep, stopOrphanPostgres } from '../scripts/lib/server-process';
import { FAST } from './setup/cluster';
import { waitFor } from './setup/test-app';

/** A request on a connection of its own, so node:cluster hands it to the next worker. */
function fresh(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(base);
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method,
        path,
        agent: false,
        headers: {
          'content-type': 'application/json',
          connection: 'close',
          ...(data ? { 'content-length': Buffer.byteLength(data) } : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }),
        );
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** The node processes whose parent is `pid`. */
function childrenOf(pid: number, command: RegExp): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === pid && command.test(cmdline)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Which worker answers: `role` → pids seen, over `n` fresh connections. */
async function whoAnswers(base: string, n = 12): Promise<Map<string, Set<number>>> {
  const seen = new Map<string, Set<number>>();
  for (let i = 0; i < n; i++) {
    const { body } = await fresh(base, 'GET', '/healthz');
    const set = seen.get(body.worker.role) ?? new Set<number>();
    set.add(body.worker.pid);
    seen.set(body.worker.role, set);
  }
  return seen;
}

/**
 * `npm start` with KUBESIM_WORKERS=2: a primary, a lead
 * worker (loops, agents) and an API worker on one port, as a real process tree.
 */
describe('API workers on one port (KUBESIM_WORKERS)', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubesim-workers-'));
    // the embedded PostgreSQL's user must reach the folder below
    chmodSync(dataDir, 0o755);
    server = new ServerProcess(await freePort(), {
      ...FAST,
      KUBESIM_WORKERS: '2',
      RUNTIME: 'process',
      KUBESIM_DATA_DIR: dataDir,
      LOG_LEVEL: 'log',
    });
    await server.start();
    // it answers once the lead listens; the API worker follows
    await waitFor(
      'every worker listening',
      async () => /2 API workers on the port/.test(server.output),
      60_000,
    );
  }, 90_000);
  afterAll(async () => {
    await server?.stop('SIGTERM');
    await stopOrphanPostgres(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('both workers answer on the one port, and the primary says how many there are', async () => {
    const seen = await whoAnswers(server.url);
    expect([...seen.keys()].sort()).toEqual(['api', 'lead']);
    const workers = childrenOf(server.pid, /main\.js/);
    expect(workers).toHaveLength(2);
    expect(workers.sort()).toEqual([...seen.values()].flatMap((s) => [...s]).sort());
  });

  it('nodes registered through either worker get agents of the lead, and their pods run', async () => {
    for (let i = 1; i <= 4; i++) {
      const res = await fresh(server.url, 'POST', '/nodes', { name: `wk-${i}`, cpu_cores: 2 });
      expect(res.status).toBe(201);
    }
    await waitFor(
      'four healthy nodes',
      async () => {
        const { body } = await callJson<any[]>(server.url, 'GET', '/nodes');
        return body.filter((n) => n.health_status === 'healthy').length === 4;
      },
      30_000,
    );
    const [lead] = [...(await whoAnswers(server.url)).get('lead')!];
    // every agent is the lead's child, whichever worker registered its node
    expect(childrenOf(lead, /node-simulator/)).toHaveLength(4);
    for (let i = 1; i <= 6; i++) {
      const res = await fresh(server.url, 'POST', '/pods', {
        name: `wp-${i}`,
        containers: [{ name: 'm', image: 'busybox:1.36', cpu_req: 0.5, memory_req: 16 }],
      });
      expect(res.status).toBe(201);
    }
    await waitFor(
      'six running pods',
      async () => {
        const { body } = await callJson<any[]>(server.url, 'GET', '/pods');
        return body.filter((p) => p.status === 'running').length === 6;
      },
      30_000,
    );
  });

  it('/metrics answers for every worker, whichever one is asked', async () => {
    const scrape = async () => {
      const { hostname, port } = new URL(server.url);
      const text = await new Promise<string>((resolve, reject) => {
        const req = httpRequest(
          {
            host: hostname,
            port,
            path: '/metrics',
            agent: false,
            headers: { connection: 'close' },
          },
          (res) => {
            let body = '';
            res.on('data', (d) => (body += d));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end();
      });
      const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
      return {
        beats: value(/^kubesim_heartbeats_total\{result="ok"\} (\d+)/m),
        healthy: text.match(/^kubesim_nodes\{status="healthy"\} (\d+)/gm) ?? [],
      };
    };
    let last = 0;
    for (let i = 0; i < 6; i++) {
      const { beats, healthy } = await scrape();
      // the sum of both workers' counts only grows, whichever worker answered
      expect(beats).toBeGreaterThanOrEqual(last);
      last = beats;
      expect(healthy).toEqual(['kubesim_nodes{status="healthy"} 4']);
    }
    expect(last).toBeGreaterThan(0);
  });

  it('a failure injected through either worker is the lead agent’s, and the lead heals it', async () => {
    // on fresh connections, so one of the two requests goes to the API worker
    const first = await fresh(server.url, 'POST', '/nodes/wk-1/simulate/failure', {
      mode: 'crash',
    });
    const second = await fresh(server.url, 'POST', '/nodes/wk-2/simulate/failure', {
      mode: 'crash',
    });
    expect([first.status, second.status]).toEqual([200, 200]);
    for (const name of ['wk-1', 'wk-2']) {
      await waitFor(
        `${name} failed and then healthy again`,
        async () => {
          const { body } = await callJson<any[]>(server.url, 'GET', `/events?object=node/${name}`);
          const reasons = body.map((e: { reason: string }) => e.reason);
          return reasons.includes('NodeFailed') && reasons.includes('NodeRecovered');
        },
        40_000,
      );
    }
  });

  it('a worker that dies is started again, and a new lead brings the agents back', async () => {
    const before = await whoAnswers(server.url);
    const [apiPid] = [...before.get('api')!];
    process.kill(apiPid, 'SIGKILL');
    await waitFor(
      'another API worker',
      async () => {
        const seen = await whoAnswers(server.url, 6).catch(() => null);
        const api = seen?.get('api');
        return !!api && !api.has(apiPid);
      },
      30_000,
    );
    const [leadPid] = [...before.get('lead')!];
    process.kill(leadPid, 'SIGKILL');
    await waitFor(
      'another lead, with every node healthy and running an agent of it',
      async () => {
        const seen = await whoAnswers(server.url, 6).catch(() => null);
        const lead = seen?.get('lead');
        if (!lead || lead.has(leadPid)) return false;
        const { body } = await callJson<any[]>(server.url, 'GET', '/nodes');
        return (
          body.every((n) => n.health_status === 'healthy') &&
          childrenOf([...lead][0], /node-simulator/).length === 4
        );
      },
      60_000,
    );
  }, 120_000);

  it('SIGTERM stops every worker and agent, then the database, and exits 0', async () => {
    const workers = childrenOf(server.pid, /main\.js/);
    const agents = workers.flatMap((w) => childrenOf(w, /node-simulator/));
    expect(agents.length).toBeGreaterThan(0);
    const exit = await server.stop('SIGTERM');
    expect(exit.forced).toBe(false);
    expect(exit.code).toBe(0);
    await sleep(200);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect([...workers, ...agents].filter(alive)).toEqual([]);
  }, 60_000);
});
