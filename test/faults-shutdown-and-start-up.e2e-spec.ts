import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { callJson as api } from '../scripts/lib/http';
import {
  isAlive as alive,
  ServerProcess,
  sleep,
  stopOrphanPostgres,
} from '../scripts/lib/server-process';
import { beatOnce, registerNode, serverProcesses } from './setup/server-processes';
import { createTestDatabase, pod, waitFor } from './setup/test-app';

/**
 * How a server stops and starts: SIGTERM with requests, agents, live streams and busy
 * keep-alive connections in flight, the lock handed on to the next server, and what a start
 * says (or refuses). Servers run as real child processes (`node dist/src/main.js`: run `npm run build`).
 */

describe('faults', () => {
  const { server, tempDir } = serverProcesses();

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
        connectionString: `postgres://postgres:${readFileSync(`${join(dataDir, 'pg')}.password`, 'utf8').trim()}@127.0.0.1:${port}/kubesim`,
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

  describe('start-up', () => {
    it('listens on loopback by default and says so; beyond loopback without a token it warns', async () => {
      const databaseUrl = await createTestDatabase();
      const base = { DATABASE_URL: databaseUrl, RUNTIME: 'external', LOG_LEVEL: 'log' };
      const local = server(await freePort(), {
        ...base,
        HOST: '',
        KUBESIM_DATA_DIR: tempDir('kubesim-host-'),
      });
      await local.start();
      expect(local.output).toContain(`kubesim listening on http://127.0.0.1:${local.port}`);
      expect(local.output).not.toMatch(/accepts connections from other machines/);
      await local.kill();
      const open = server(await freePort(), {
        ...base,
        HOST: '0.0.0.0',
        KUBESIM_DATA_DIR: tempDir('kubesim-host-'),
      });
      await open.start();
      expect(open.output).toContain(`kubesim listening on http://0.0.0.0:${open.port}`);
      expect(open.output).toMatch(
        /HOST=0\.0\.0\.0 accepts connections from other machines and KUBESIM_API_TOKEN is not set/,
      );
      await open.kill();
    }, 90_000);

    it('refuses to start with an API token shorter than 16 characters (exit 2, naming it)', async () => {
      const s = server(await freePort(), {
        RUNTIME: 'external',
        KUBESIM_API_TOKEN: 'admin',
        KUBESIM_DATA_DIR: tempDir('kubesim-token-'),
      });
      await expect(s.start(20_000)).rejects.toThrow(/exited/);
      expect((await s.exited).code).toBe(2);
      expect(s.output).toMatch(/KUBESIM_API_TOKEN: expected at least 16 characters/);
    }, 30_000);
  });
});
