import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createConnection, createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../src/database/embedded-postgres';
import { callJson as api } from '../scripts/lib/http';
import { ServerProcess } from '../scripts/lib/server-process';
import { beatOnce, registerNode, serverProcesses } from './setup/server-processes';
import { createTestDatabase, pod } from './setup/test-app';

/**
 * The Docker engine as a fault: gone after boot, or never there. Node launches answer 503
 * and store nothing; everything that needs no engine goes on. Servers run as real child
 * processes (`node dist/src/main.js`: run `npm run build`).
 */

describe('faults', () => {
  const { server, tempDir } = serverProcesses();

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
});
