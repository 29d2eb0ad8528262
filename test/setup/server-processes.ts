import { request as httpRequest } from 'node:http';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callJson as api } from '../../scripts/lib/http';
import { ServerProcess, stopOrphanPostgres } from '../../scripts/lib/server-process';
import { WORKER_COMPONENTS } from './test-app';

/**
 * The servers of the fault suites: real child processes (`node dist/src/main.js`: run
 * `npm run build`), each on a data folder of its own, and the calls those suites make to them
 * as an agent or a client would.
 */

/**
 * Makes servers and data folders for the tests of one file; after the file, kills every
 * server it made, stops any embedded PostgreSQL left in a folder and removes the folders.
 */
export function serverProcesses(): {
  server: (port: number, env: Record<string, string>) => ServerProcess;
  tempDir: (prefix: string) => string;
} {
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
  return { server, tempDir };
}

export const beatBody = { pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS };

export function beatOnce(base: string, id: number, token: string) {
  return api(base, 'POST', `/nodes/${id}/heartbeat`, beatBody, {
    authorization: `Bearer ${token}`,
  });
}

/**
 * A heartbeat on a connection of its own (`Connection: close`): the 1,000-node driver uses
 * these, so a stopped server refuses the next beat at once and no socket outlives a server.
 */
export function beatWithoutKeepAlive(
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

export async function registerNode(
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
