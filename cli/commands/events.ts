import { type Command, Option } from 'commander';
import type { EventView } from '../api-types';
import { positiveInteger } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError, EXIT_UNREACHABLE } from '../errors';
import { readSse } from '../sse';
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

/**
 * Prints the recent events, then follows the live stream until Ctrl-C. The stream
 * is opened before the snapshot is read, so nothing that happens in between is
 * missed; events in both are printed once.
 */
async function watch(
  ctx: CommandContext,
  options: EventOptions,
  query: Record<string, string | number | undefined>,
) {
  const stream = await ctx.api.openStream('/events/stream');
  let recent: EventView[];
  try {
    recent = await ctx.api.get<EventView[]>('/events', query);
  } catch (err) {
    await stream.cancel().catch(() => undefined);
    throw err;
  }
  const printed = new Set(recent.map((event) => event.id));
  const print = (event: EventView): void =>
    ctx.print(ctx.json ? JSON.stringify(event) : eventLine(ctx.palette, event));
  for (const event of [...recent].reverse()) print(event);

  try {
    for await (const message of readSse(stream)) {
      if (message.event !== 'event') continue; // heartbeats are for the dashboard
      const event = parseEvent(message.data);
      if (!event || printed.has(event.id) || !matches(event, options)) continue;
      print(event);
    }
  } catch {
    // Ctrl-C aborts the read: the normal way out.
    if (ctx.io.signal?.aborted) return;
  }
  if (ctx.io.signal?.aborted) return;
  throw new CliError(`lost the event stream from kubesim at ${ctx.server}`, EXIT_UNREACHABLE);
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
