import { Readable } from 'node:stream';
import type { CliIo } from '../context';
import { run } from '../program';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** pretend stdout and stderr are terminals (colours, spinner) */
  tty?: boolean;
  /** what the user types; a terminal unless `stdinIsTTY` is false */
  stdin?: string;
  stdinIsTTY?: boolean;
  /** sees stdout as it is written, for tests that react to streamed output */
  onStdout?: (all: string) => void;
}

/** Runs the CLI in-process against `server`, capturing what it prints. */
export async function runCli(
  server: string,
  args: string[],
  options: RunOptions = {},
): Promise<CliResult> {
  const result: CliResult = { code: -1, stdout: '', stderr: '' };
  const stdin =
    options.stdin === undefined
      ? undefined
      : Object.assign(Readable.from([options.stdin]), { isTTY: options.stdinIsTTY ?? true });
  const io: CliIo = {
    stdin,
    stdout: {
      isTTY: options.tty,
      write: (chunk: string) => {
        result.stdout += chunk;
        options.onStdout?.(result.stdout);
      },
    },
    stderr: { isTTY: options.tty, write: (chunk: string) => (result.stderr += chunk) },
    env: { KUBESIM_SERVER: server, ...options.env },
    signal: options.signal,
  };
  result.code = await run(args, io);
  return result;
}
