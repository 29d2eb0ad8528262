import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { segment } from '../api-client';
import type { NodeView, PodView } from '../api-types';
import { type CliIo, CommandContext } from '../context';
import { ApiError, CliError, InterruptedError, UsageError } from '../errors';

/** The largest page the list endpoints give. */
const PAGE = 1000;
/** deletions in flight at once */
const CONCURRENCY = 8;

interface ResetOptions {
  yes?: boolean;
}

/**
 * Deletes every pod, then every node (its agent removed too), after a confirmation:
 * asked on a terminal, `--yes` otherwise. Pods go first so that no node's deletion sends
 * them looking for another node that is about to go as well.
 */
async function reset(ctx: CommandContext, options: ResetOptions): Promise<void> {
  const pods = await listAll<PodView>(ctx, '/pods');
  const nodes = await listAll<NodeView>(ctx, '/nodes');
  const what = `${plural(nodes.length, 'node')} and ${plural(pods.length, 'pod')}`;
  if (nodes.length === 0 && pods.length === 0) {
    ctx.show({ deleted_pods: 0, deleted_nodes: 0 }, () => `nothing to delete at ${ctx.server}`);
    return;
  }
  if (!options.yes) await confirm(ctx, `Delete all ${what} at ${ctx.server}? [y/N] `);

  const failures: string[] = [];
  const deletedPods = await deleteAll(ctx, 'pods', pods, failures);
  const deletedNodes = await deleteAll(ctx, 'nodes', nodes, failures);
  if (failures.length > 0) {
    throw new CliError(
      `deleted ${plural(deletedPods, 'pod')} and ${plural(deletedNodes, 'node')}, but not: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? '; …' : ''}`,
    );
  }
  ctx.show(
    { deleted_pods: deletedPods, deleted_nodes: deletedNodes },
    () => `deleted ${plural(deletedPods, 'pod')} and ${plural(deletedNodes, 'node')}`,
  );
}

async function confirm(ctx: CommandContext, question: string): Promise<void> {
  const stdin = ctx.io.stdin;
  if (!stdin?.isTTY) {
    throw new UsageError(
      'reset deletes every node and pod: pass --yes to confirm (there is no terminal to ask on)',
    );
  }
  ctx.io.stderr.write(question);
  const prompt = createInterface({ input: stdin, terminal: false });
  let answer: string;
  try {
    answer = await prompt.question('', { signal: ctx.io.signal });
  } catch {
    throw new InterruptedError();
  } finally {
    prompt.close();
  }
  if (!/^\s*y(es)?\s*$/i.test(answer)) throw new CliError('reset cancelled: nothing was deleted');
}

async function listAll<T>(ctx: CommandContext, path: string): Promise<T[]> {
  const all: T[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.api.get<T[]>(path, { limit: PAGE, offset });
    all.push(...page);
    if (page.length < PAGE) return all;
  }
}

/** Deletes each item; one gone meanwhile counts as deleted, other refusals are collected. */
async function deleteAll(
  ctx: CommandContext,
  kind: 'pods' | 'nodes',
  items: Array<{ id: number; name: string }>,
  failures: string[],
): Promise<number> {
  let next = 0;
  let deleted = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await ctx.api.delete(`/${kind}/${segment(item.id)}`);
        deleted++;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) deleted++;
        else if (err instanceof ApiError)
          failures.push(`${kind.slice(0, -1)}/${item.name}: ${err.message}`);
        else throw err; // unreachable or Ctrl-C: stop here
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return deleted;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function registerResetCommand(program: Command, io: CliIo): void {
  program
    .command('reset')
    .description('delete every pod and every node (their agents too); asks first on a terminal')
    .option('-y, --yes', 'do not ask: needed when there is no terminal (scripts, CI)')
    .action((options: ResetOptions, cmd: Command) => reset(CommandContext.of(io, cmd), options));
}
