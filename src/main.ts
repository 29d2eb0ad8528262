import 'reflect-metadata';
import cluster from 'node:cluster';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { ConfigError, loadConfig } from './config/app-config';
import { announceListening, bootLogger, createApp } from './bootstrap';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { NODE_RUNTIME, NodeRuntime } from './runtimes/node-runtime';
import { serveRuntimeCalls, WorkerChannel } from './runtimes/remote.runtime';
import { LeadReady, runWorkers } from './workers';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`kubesim: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // before the heap grows: V8 reads this at each full collection, to size the next
  if (config.heapGrowingPercent > 0)
    setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);

  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pg'));
    url = embedded.url;
  }
  // a worker's primary has migrated the database already
  if (cluster.isPrimary) await runMigrations(url);
  if (cluster.isPrimary && config.workers > 1) {
    await runWorkers(config, url, async () => {
      if (embedded) await embedded.stop();
    });
    return;
  }

  const app = await createApp(config, url);
  if (config.workerRole === 'lead') {
    const channel = process as unknown as WorkerChannel;
    const runtime = app.get<NodeRuntime>(NODE_RUNTIME);
    serveRuntimeCalls(runtime, channel);
    channel.send({ kubesim: 'lead-runtime', kind: runtime.kind } satisfies LeadReady);
  }
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    bootLogger.log(`${signal}: stopping`);
    const force = setTimeout(() => process.exit(1), 15000);
    force.unref();
    try {
      await app.close();
      if (embedded) await embedded.stop();
    } finally {
      process.exit(0);
    }
  };
  // app.close() runs the modules' shutdown hooks (loops, agents, lock); then the database stops
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen(config.port, config.host);
  // of several workers the lead listens first, and says so before it answers anyone
  if (config.workerRole !== 'api') announceListening(config);
}

main().catch((err) => {
  bootLogger.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
