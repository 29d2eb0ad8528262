import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../../src/bootstrap';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { runMigrations } from '../../src/database/migrate';

let counter = 0;

/** A fresh, migrated database on the suite's PostgreSQL. */
export async function createTestDatabase(): Promise<string> {
  const base = process.env.KUBESIM_TEST_PG;
  if (!base)
    throw new Error('KUBESIM_TEST_PG is not set: run the system tests through jest (npm test)');
  const name = `kubesim_t${process.pid}_${Date.now() % 1e8}_${counter++}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = base.replace(/\/[^/]*$/, `/${name}`);
  await runMigrations(url);
  return url;
}

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  databaseUrl: string;
  baseUrl: string;
  dataDir: string;
  http: TestAgent;
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * The real app over HTTP on a real PostgreSQL. `env` sets kubesim's environment
 * variables (defaults: external runtime, loops off unless asked).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { databaseUrl?: string } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-test-data-'));
  const port = env.PORT ?? String(await freePortFor());
  const config = loadConfig({
    RUNTIME: 'external',
    KUBESIM_LOOPS: 'off',
    LOG_LEVEL: 'error',
    KUBESIM_DATA_DIR: dataDir,
    PORT: port,
    ...env,
  });
  const app = await createApp(config, databaseUrl);
  await app.listen(config.port, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${config.port}`;
  const sqlClient = new Client({ connectionString: databaseUrl });
  sqlClient.on('error', () => undefined);
  await sqlClient.connect();
  let queue: Promise<unknown> = Promise.resolve();
  return {
    app,
    config,
    databaseUrl,
    baseUrl,
    dataDir,
    // as kubesim's own clients do: every write says JSON, body or not
    http: request.agent(baseUrl).set('Content-Type', 'application/json'),
    // one query at a time on the test's connection (pg@9 refuses overlapping ones)
    sql: (text, params) => {
      const result = queue.then(() => sqlClient.query(text, params));
      queue = result.catch(() => undefined);
      return result.then((r) => r.rows);
    },
    close: async () => {
      await sqlClient.end().catch(() => undefined);
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function freePortFor(): Promise<number> {
  const { freePort } = await import('../../src/database/embedded-postgres');
  return freePort();
}

export const WORKER_COMPONENTS = {
  kubelet: 'running',
  container_runtime: 'running',
  kube_proxy: 'running',
  node_agent: 'running',
};

/** Registers a node and sends its first heartbeat, as an agent would. */
export async function healthyNode(
  t: TestApp,
  name: string,
  cpus: number,
  extra: Record<string, unknown> = {},
): Promise<{ id: number; token: string }> {
  const res = await t.http
    .post('/nodes')
    .send({ name, cpu_cores: cpus, ...extra })
    .expect(201);
  const { id, heartbeat_token: token } = res.body;
  await beat(t, id, token);
  return { id, token };
}

export function beat(
  t: TestApp,
  id: number | string,
  token: string,
  body: Record<string, unknown> = {},
) {
  return t.http
    .post(`/nodes/${id}/heartbeat`)
    .set('Authorization', `Bearer ${token}`)
    .send({ pod_ids: [], health_status: 'healthy', components: WORKER_COMPONENTS, ...body })
    .expect(200);
}

export function pod(name: string, cpu: number, extra: Record<string, unknown> = {}) {
  return {
    name,
    containers: [{ name: 'main', image: 'busybox:1.36', cpu_req: cpu, memory_req: 16 }],
    ...extra,
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
