import { type Command, Option } from 'commander';
import type { EventView } from '../api-types';
import { positiveInteger } from '../args';
import { type CliIo, CommandContext } from '../context';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../errors';
import { readSse, type SseMessage } from '../sse';
import { eventLine, eventTable } from '../views';

interface EventOptions {
  type?: string;
  reason?: string;
  object?: string;
  limit?: number;
  watch?: boolean;
}

async function events(ctx: CommandContext, options: EventOptions): Promise<void> {
  const query = {
    type: options.type,
    reason: options.reason,
    object: options.object,
    limit: options.limit,
  };
  if (!options.watch) {
    const list = await ctx.api.get<EventView[]>('/events', query);
    if (!ctx.json && list.length === 0) {
      ctx.note('No events found.');
      return;
    }
    // The API answers newest first; a terminal reads best with the newest last.
    ctx.show(list, () => eventTable(ctx.palette, [...list].reverse(), ctx.wide));
    return;
  }
  await watch(ctx, options, query);
}

/** Reconnection delays: doubling from the first to the last, reset by a connection that works. */
export const RECONNECT_FIRST_MS = 500;
export const RECONNECT_MAX_MS = 10_000;
/**
 * The server sends a keepalive every 15 s: a stream silent for this long is taken as dead
 * (a server gone without closing the connection) and opened again.
 */
const STREAM_IDLE_MS = 45_000;
/** ids remembered to print each event once across reconnects */
const REMEMBERED_IDS = 10_000;

/**
 * Prints the recent events, then follows the live stream until Ctrl-C. The stream
 * is opened before the snapshot is read, so nothing that happens in between is
 * missed; events in both are printed once. When the stream is lost (the server
 * restarts), it is opened again with backoff, sending the id of the last event
 * seen so the server replays what came meanwhile; only Ctrl-C ends the watch.
 */
async function watch(
  ctx: CommandContext,
  options: EventOptions,
  query: Record<string, string | number | undefined>,
) {
  let stream = await ctx.api.openStream('/events/stream');
  let recent: EventView[];
  try {
    recent = await ctx.api.get<EventView[]>('/events', query);
  } catch (err) {
    await stream.cancel().catch(() => undefined);
    throw err;
  }
  const printed = new Set<string>();
  const remember = (id: string): void => {
    printed.add(id);
    // a Set iterates in insertion order: the oldest id goes first
    if (printed.size > REMEMBERED_IDS) printed.delete(printed.values().next().value!);
  };
  const print = (event: EventView): void =>
    ctx.print(ctx.json ? JSON.stringify(event) : eventLine(ctx.palette, event));
  // the stream's own ids when it sends them, else the newest event seen
  let lastEventId: string | undefined;
  for (const event of [...recent].reverse()) {
    remember(event.id);
    lastEventId = newer(lastEventId, event.id);
    print(event);
  }

  const signal = ctx.io.signal;
  for (;;) {
    await follow(ctx, stream, (message) => {
      if (message.id) lastEventId = newer(lastEventId, message.id);
      if (message.event !== 'event') return; // heartbeats are for the dashboard
      const event = parseEvent(message.data);
      if (!event) return;
      lastEventId = newer(lastEventId, event.id);
      if (printed.has(event.id)) return;
      remember(event.id);
      if (matches(event, options)) print(event);
    });
    if (signal?.aborted) return;
    const reopened = await reconnect(ctx, lastEventId ?? '0');
    if (!reopened) return; // Ctrl-C while waiting
    stream = reopened;
  }
}

/** Reads one connection until it ends, breaks, goes silent, or Ctrl-C. */
async function follow(
  ctx: CommandContext,
  stream: ReadableStream<Uint8Array>,
  onMessage: (message: SseMessage) => void,
): Promise<void> {
  let idle: NodeJS.Timeout | undefined;
  const silent = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => void stream.cancel().catch(() => undefined), STREAM_IDLE_MS);
  };
  const onAbort = (): void => void stream.cancel().catch(() => undefined);
  ctx.io.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    silent();
    for await (const message of readSse(stream)) {
      silent();
      onMessage(message);
    }
  } catch {
    // a reset connection, or Ctrl-C: the caller tells them apart
  } finally {
    clearTimeout(idle);
    ctx.io.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Opens the stream again, waiting longer after each failure; says so on stderr.
 * Resolves undefined only on Ctrl-C: a server that stays away is waited for.
 */
async function reconnect(
  ctx: CommandContext,
  lastEventId: string,
): Promise<ReadableStream<Uint8Array> | undefined> {
  let delay = RECONNECT_FIRST_MS;
  let why = 'the stream ended';
  for (let attempt = 1; ; attempt++) {
    ctx.note(
      `lost the event stream from kubesim at ${ctx.server} (${why}); reconnecting in ${seconds(delay)} (attempt ${attempt}, Ctrl-C to stop)`,
    );
    try {
      await sleep(delay, undefined, { signal: ctx.io.signal });
    } catch {
      return undefined;
    }
    try {
      const stream = await ctx.api.openStream('/events/stream', { lastEventId });
      ctx.note(`reconnected to kubesim at ${ctx.server}; resuming after event ${lastEventId}`);
      return stream;
    } catch (err) {
      if (ctx.io.signal?.aborted) return undefined;
      why = err instanceof CliError ? err.message : String(err);
      delay = Math.min(delay * 2, RECONNECT_MAX_MS);
    }
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/** The later of two event ids (decimal strings of any length). */
function newer(current: string | undefined, id: string): string {
  if (!/^\d+$/.test(id)) return current ?? id;
  if (current === undefined || !/^\d+$/.test(current)) return id;
  return BigInt(id) > BigInt(current) ? id : current;
}

function parseEvent(data: string): EventView | undefined {
  try {
    const event = JSON.parse(data) as EventView;
    return typeof event === 'object' && event !== null && typeof event.reason === 'string'
      ? event
      : undefined;
  } catch {
    return undefined;
  }
}

/** The stream carries every event; apply the same filters as the list. */
function matches(event: EventView, options: EventOptions): boolean {
  return (
    (options.type === undefined || event.type === options.type) &&
    (options.reason === undefined || event.reason === options.reason) &&
    (options.object === undefined || event.object === options.object)
  );
}

export function registerEventsCommand(program: Command, io: CliIo): void {
  program
    .command('events')
    .description('show cluster events (oldest first); --watch follows them live')
    .addOption(
      new Option('--type <type>', 'only Normal or Warning events').choices(['Normal', 'Warning']),
    )
    .option('--reason <reason>', 'only events with this reason (e.g. NodeFailed)')
    .option('--object <object>', 'only events about this object (e.g. node/worker-1)')
    .option('--limit <n>', 'at most this many recent events', positiveInteger)
    .option(
      '-w, --watch',
      'after the recent events, print new ones as they happen (Ctrl-C to stop)',
    )
    .action((options: EventOptions, cmd: Command) => events(CommandContext.of(io, cmd), options));
}
