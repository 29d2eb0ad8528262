import 'reflect-metadata';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './config/app-config';
import { announceListening, bootLogger, createApp } from './bootstrap';
import { EmbeddedDatabase, startEmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';

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

  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedPostgres(join(config.dataDir, 'pg'));
    url = embedded.url;
  }
  await runMigrations(url);

  const app = await createApp(config, url);
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
  announceListening(config);
}

main().catch((err) => {
  bootLogger.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
