import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/testing/run-cli';

/**
 * The real kubectl on PATH, with a kubeconfig of its own that `kubesim kubeconfig --write`
 * made for the server under test, and its cache and HOME in a temporary folder.
 */
export class Kubectl {
  readonly dir = mkdtempSync(join(tmpdir(), 'kubesim-kubectl-'));
  readonly kubeconfig = join(this.dir, 'config');
  private readonly watches: ChildProcess[] = [];

  /** `binary`: another kubectl than the one on PATH (`kubectl.1.27` … beside it). */
  constructor(readonly binary = 'kubectl') {}

  /** Writes the kubeconfig with kubesim's own `kubesim kubeconfig` (`env`: its environment, a token). */
  async configure(server: string, env: Record<string, string> = {}): Promise<void> {
    const result = await runCli(
      server,
      ['kubeconfig', '--write', '--kubeconfig', this.kubeconfig],
      { env },
    );
    if (result.code !== 0) throw new Error(`kubesim kubeconfig failed: ${result.stderr}`);
  }

  private args(args: string[]): string[] {
    return ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.dir, 'cache'), ...args];
  }

  run(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = execFile(
        this.binary,
        this.args(['--request-timeout', '30s', ...args]),
        { env: { PATH: process.env.PATH, HOME: this.dir }, timeout: 120000 },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            stdout,
            stderr,
          }),
      );
      child.stdin?.end(input ?? '');
    });
  }

  async ok(...args: string[]): Promise<string> {
    const r = await this.run(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }

  /** A long-running kubectl (`get -w`), stopped by close(); `output()` is what it printed so far. */
  watch(...args: string[]): { output: () => string } {
    let out = '';
    const child = spawn(this.binary, this.args(args), {
      env: { PATH: process.env.PATH, HOME: this.dir },
    });
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    this.watches.push(child);
    return { output: () => out };
  }

  close(): void {
    for (const child of this.watches) if (child.exitCode === null) child.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
