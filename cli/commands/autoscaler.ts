import { Command, Option } from 'commander';
import { nonNegativeInteger, positiveInteger, positiveNumber } from '../args';
import { type CliIo, CommandContext } from '../context';
import { renderFields } from '../format';

/** GET/PUT /autoscaler as the API answers them. */
export interface AutoscalerView {
  enabled: boolean;
  min_nodes: number;
  max_nodes: number;
  node_cpu_cores: number;
  node_memory_mb: number | null;
  scale_up_delay_s: number;
  scale_down_idle_s: number;
  worker_nodes: number;
  autoscaled_nodes: string[];
}

interface AutoscalerOptions {
  enable?: boolean;
  disable?: boolean;
  min?: number;
  max?: number;
  nodeCpu?: number;
  nodeMemory?: number;
  scaleUpDelay?: number;
  scaleDownIdle?: number;
}

export function autoscalerSummary(a: AutoscalerView): string {
  return renderFields([
    ['Enabled', a.enabled ? 'yes' : 'no'],
    ['Nodes', `${a.worker_nodes} (min ${a.min_nodes}, max ${a.max_nodes})`],
    [
      'New node',
      `${a.node_cpu_cores} cores${a.node_memory_mb === null ? '' : `, ${a.node_memory_mb} MiB`}`,
    ],
    ['Scale up', `after pods pend ${a.scale_up_delay_s} s`],
    ['Scale down', `after ${a.scale_down_idle_s} s under 50 % allocated`],
    ['Added', a.autoscaled_nodes.join(', ') || '-'],
  ]);
}

async function autoscaler(ctx: CommandContext, o: AutoscalerOptions): Promise<void> {
  const change: Record<string, unknown> = {};
  if (o.enable) change.enabled = true;
  if (o.disable) change.enabled = false;
  if (o.min !== undefined) change.min_nodes = o.min;
  if (o.max !== undefined) change.max_nodes = o.max;
  if (o.nodeCpu !== undefined) change.node_cpu_cores = o.nodeCpu;
  if (o.nodeMemory !== undefined) change.node_memory_mb = o.nodeMemory;
  if (o.scaleUpDelay !== undefined) change.scale_up_delay_s = o.scaleUpDelay;
  if (o.scaleDownIdle !== undefined) change.scale_down_idle_s = o.scaleDownIdle;
  const view = Object.keys(change).length
    ? await ctx.api.put<AutoscalerView>('/autoscaler', change)
    : await ctx.api.get<AutoscalerView>('/autoscaler');
  ctx.show(view, () => autoscalerSummary(view));
}

export function registerAutoscalerCommand(program: Command, io: CliIo): void {
  program
    .command('autoscaler')
    .description('show the cluster autoscaler, or change it with the options given')
    .addOption(new Option('--enable', 'turn it on').conflicts('disable'))
    .addOption(new Option('--disable', 'turn it off'))
    .option('--min <nodes>', 'worker nodes kept at least', nonNegativeInteger)
    .option('--max <nodes>', 'worker nodes at most', positiveInteger)
    .option('--node-cpu <cores>', 'CPU cores of each added node', positiveNumber)
    .option('--node-memory <mb>', 'memory of each added node in MiB', positiveInteger)
    .option(
      '--scale-up-delay <seconds>',
      'how long pods pend before a scale-up',
      nonNegativeInteger,
    )
    .option(
      '--scale-down-idle <seconds>',
      'how long an added node is under-used before it goes',
      nonNegativeInteger,
    )
    .action((options: AutoscalerOptions, cmd: Command) =>
      autoscaler(CommandContext.of(io, cmd), options),
    );
}
