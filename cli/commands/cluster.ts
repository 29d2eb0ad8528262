import type { Command } from 'commander';
import type { ClusterView, SchedulerView } from '../api-types';
import { type CliIo, CommandContext } from '../context';
import { clusterSummary, schedulerSummary } from '../views';

async function cluster(ctx: CommandContext): Promise<void> {
  const summary = await ctx.api.get<ClusterView>('/cluster');
  ctx.show(summary, () => clusterSummary(ctx.palette, summary));
}

async function getScheduler(ctx: CommandContext): Promise<void> {
  const scheduler = await ctx.api.get<SchedulerView>('/scheduler');
  ctx.show(scheduler, () => schedulerSummary(ctx.palette, scheduler));
}

async function setScheduler(ctx: CommandContext, algorithm: string): Promise<void> {
  const scheduler = await ctx.api.put<SchedulerView>('/scheduler', { algorithm });
  ctx.show(scheduler, () => `scheduler algorithm set to ${scheduler.algorithm}`);
}

export function registerClusterCommands(program: Command, io: CliIo): void {
  program
    .command('cluster')
    .description('cluster summary: nodes and pods by status, CPU, utilisation')
    .action((_options: unknown, cmd: Command) => cluster(CommandContext.of(io, cmd)));

  const scheduler = program
    .command('scheduler')
    .description('show the scheduling algorithm (get, the default) or change it (set <algorithm>)');
  scheduler
    .command('get', { isDefault: true })
    .description('show the active algorithm and the available ones')
    .action((_options: unknown, cmd: Command) => getScheduler(CommandContext.of(io, cmd)));
  scheduler
    .command('set')
    .description('change the algorithm used for new placements')
    .argument('<algorithm>', 'first-fit, best-fit, worst-fit or round-robin')
    .action((algorithm: string, _options: unknown, cmd: Command) =>
      setScheduler(CommandContext.of(io, cmd), algorithm),
    );
}
