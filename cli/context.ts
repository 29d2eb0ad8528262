import type { Command } from 'commander';
import { ApiClient } from './api-client';
import { UsageError } from './errors';
import { type Palette, paletteFor } from './format';

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

/** Everything the CLI touches outside itself, so tests can run it in-process. */
/** Where a confirmation is read from; asked only when it is a terminal. */
export type InputStream = NodeJS.ReadableStream & { isTTY?: boolean };

export interface CliIo {
  stdin?: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Record<string, string | undefined>;
  /** aborted on Ctrl-C: `events --watch` stops cleanly, a pending request gives up */
  signal?: AbortSignal;
}

export const DEFAULT_SERVER = 'http://localhost:3000';
export const OUTPUT_FORMATS = ['table', 'wide', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The program-wide options as commander parsed them. */
interface GlobalOptions {
  server?: string;
  token?: string;
  output: OutputFormat;
  requestTimeout: number;
}

/** What every command gets: the API client, the output format and the streams. */
export class CommandContext {
  readonly api: ApiClient;
  readonly output: OutputFormat;
  readonly palette: Palette;
  readonly server: string;
  readonly token: string | undefined;

  constructor(
    readonly io: CliIo,
    private readonly options: GlobalOptions,
  ) {
    this.server = normaliseServer(options.server ?? io.env.KUBESIM_SERVER ?? DEFAULT_SERVER);
    this.output = options.output;
    this.palette = paletteFor(io.stdout, io.env);
    this.token = options.token ?? (io.env.KUBESIM_API_TOKEN || undefined);
    this.api = new ApiClient({
      server: this.server,
      token: this.token,
      timeoutMs: options.requestTimeout * 1000,
      signal: io.signal,
    });
  }

  /** The same command against another server (a cluster the command started itself). */
  withServer(server: string): CommandContext {
    return new CommandContext(this.io, { ...this.options, server, token: this.token });
  }

  static of(io: CliIo, command: Command): CommandContext {
    return new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
  }

  get json(): boolean {
    return this.output === 'json';
  }

  get wide(): boolean {
    return this.output === 'wide';
  }

  /** A line on stdout. */
  print(text: string): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A remark for the user on stderr, out of the way of piped output. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  /** The API's JSON as it came under `-o json`, else the human view of it. */
  show(body: unknown, human: () => string): void {
    if (this.json) {
      if (body !== undefined) this.print(JSON.stringify(body, null, 2));
      return;
    }
    this.print(human());
  }
}

function normaliseServer(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`invalid server URL '${server}' (expected e.g. ${DEFAULT_SERVER})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`invalid server URL '${server}' (expected http:// or https://)`);
  }
  return server.replace(/\/+$/, '');
}
