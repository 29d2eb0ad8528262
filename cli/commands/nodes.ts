import { type Command, Option } from 'commander';
import { segment } from '../api-client';
import type { NodeStatus, NodeView } from '../api-types';
import { generatedName, keyValue, positiveInteger, positiveNumber } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';
import { colourStatus } from '../format';
import { sleep, startSpinner } from '../progress';
import { nodeDetail, nodeStatus, nodeTable } from '../views';
import { listOptions, type ListOptions } from './list-options';

const NODE_STATUSES: NodeStatus[] = [
  'pending',
  'healthy',
  'not_ready',
  'failed',
  'recovering',
  'permanently_failed',
  'stopped',
];
const NODE_TYPES = ['worker', 'master'];
const FAILURE_MODES = ['crash', 'hang', 'partition'];

/** How often `add-node --wait` asks; a node's first heartbeat takes about a second. */
const WAIT_POLL_MS = 500;
/** Statuses a new node does not come back from on its own. */
const GIVE_UP_STATUSES = new Set<string>(['permanently_failed', 'stopped']);

export interface NodeFilters extends ListOptions {
  status?: string;
  type?: string;
}

export async function listNodes(ctx: CommandContext, filters: NodeFilters): Promise<void> {
  const nodes = await ctx.api.get<NodeView[]>('/nodes', {
    status: filters.status,
    node_type: filters.type,
    limit: filters.limit,
    offset: filters.offset,
  });
  if (!ctx.json && nodes.length === 0) {
    ctx.note('No nodes found.');
    return;
  }
  ctx.show(nodes, () => nodeTable(ctx.palette, nodes, ctx.wide));
}

export async function showNode(ctx: CommandContext, idOrName: string): Promise<void> {
  const node = await ctx.api.get<NodeView>(`/nodes/${segment(idOrName)}`);
  ctx.show(node, () => nodeDetail(ctx.palette, node));
}

interface AddNodeOptions {
  name?: string;
  type?: string;
  memory?: number;
  label?: Record<string, string>;
  wait?: boolean;
  timeout: number;
}

async function addNode(ctx: CommandContext, cpus: number, options: AddNodeOptions): Promise<void> {
  const body: Record<string, unknown> = {
    name: options.name ?? generatedName('node'),
    cpu_cores: cpus,
  };
  if (options.type) body.node_type = options.type;
  if (options.memory !== undefined) body.memory_mb = options.memory;
  if (options.label) body.labels = options.label;
  const node = await ctx.api.post<NodeView>('/nodes', body);
  ctx.show(node, () => {
    const lines = [`node/${node.name} created (id ${node.id}, ${nodeStatus(ctx.palette, node)})`];
    if (node.heartbeat_token) lines.push(`heartbeat token: ${node.heartbeat_token} (shown once)`);
    return lines.join('\n');
  });
  if (options.wait) await waitUntilHealthy(ctx, node, options.timeout);
}

async function waitUntilHealthy(
  ctx: CommandContext,
  created: NodeView,
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const label = `node/${created.name}`;
  const waiting = (status: string): string => `waiting for ${label} to become healthy (${status})`;
  let node = created;
  const spinner = startSpinner(ctx.io.stderr, waiting(node.health_status));
  try {
    while (node.health_status !== 'healthy') {
      if (GIVE_UP_STATUSES.has(node.health_status)) {
        throw new CliError(`${label} is ${node.health_status}; it will not become healthy`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new CliError(
          `${label} not healthy after ${timeoutSeconds}s (status: ${node.health_status})`,
        );
      }
      await sleep(Math.min(WAIT_POLL_MS, left), ctx.io.signal);
      node = await ctx.api.get<NodeView>(`/nodes/${segment(created.id)}`);
      spinner.update(waiting(node.health_status));
    }
  } finally {
    spinner.stop();
  }
  if (!ctx.json) ctx.print(`${label} is ${colourStatus(ctx.palette, 'healthy')}`);
}

/** POST /nodes/:id/<action>, then one line saying what happened. */
async function nodeAction(
  ctx: CommandContext,
  idOrName: string,
  action: string,
  describe: (node: NodeView, ctx: CommandContext) => string,
  body?: unknown,
): Promise<void> {
  const node = await ctx.api.post<NodeView>(`/nodes/${segment(idOrName)}/${action}`, body);
  ctx.show(node, () => `node/${node.name} ${describe(node, ctx)}`);
}

async function deleteNode(ctx: CommandContext, idOrName: string): Promise<void> {
  const { body } = await ctx.api.delete<{ name?: string }>(`/nodes/${segment(idOrName)}`);
  ctx.show(body, () => `node/${body?.name ?? idOrName} deleted`);
}

export function registerNodeCommands(program: Command, io: CliIo): void {
  program
    .command('add-node')
    .description('register a node with <cpus> cores and start its agent')
    .argument('<cpus>', 'CPU cores of the node', positiveNumber)
    .option('--name <name>', 'node name (default: node-<5 random characters>)')
    .addOption(new Option('--type <type>', 'node type (default: worker)').choices(NODE_TYPES))
    .option('--memory <mb>', 'memory in MB', positiveInteger)
    .option('-l, --label <key=value>', 'a label, repeatable', keyValue)
    .option('--wait', 'wait until the node reports healthy')
    .option('--timeout <seconds>', 'how long --wait waits', positiveNumber, 60)
    .action((cpus: number, options: AddNodeOptions, cmd: Command) =>
      addNode(CommandContext.of(io, cmd), cpus, options),
    );

  listOptions(
    program
      .command('list-nodes')
      .description('list nodes')
      .addOption(
        new Option('--status <status>', 'only nodes in this status').choices(NODE_STATUSES),
      )
      .addOption(new Option('--type <type>', 'only nodes of this type').choices(NODE_TYPES)),
  ).action((options: NodeFilters, cmd: Command) => listNodes(CommandContext.of(io, cmd), options));

  program
    .command('get-node')
    .description('show one node: capacity, components, heartbeat, pods')
    .argument('<node>', 'node id or name')
    .action((node: string, _options: unknown, cmd: Command) =>
      showNode(CommandContext.of(io, cmd), node),
    );

  program
    .command('stop-node')
    .description('drain a node, stop its agent and mark it stopped')
    .argument('<node>', 'node id or name')
    .action((node: string, _options: unknown, cmd: Command) =>
      nodeAction(
        CommandContext.of(io, cmd),
        node,
        'stop',
        (n, ctx) => `stopped (${nodeStatus(ctx.palette, n)})`,
      ),
    );

  program
    .command('restart-node')
    .description("restart a node's agent")
    .argument('<node>', 'node id or name')
    .action((node: string, _options: unknown, cmd: Command) =>
      nodeAction(
        CommandContext.of(io, cmd),
        node,
        'restart',
        (n, ctx) => `restarting (${nodeStatus(ctx.palette, n)})`,
      ),
    );

  program
    .command('delete-node')
    .description('drain a node (its pods are rescheduled), remove its agent and delete it')
    .argument('<node>', 'node id or name')
    .action((node: string, _options: unknown, cmd: Command) =>
      deleteNode(CommandContext.of(io, cmd), node),
    );

  program
    .command('fail-node')
    .description("make a node's agent really fail; the health monitor must notice")
    .argument('<node>', 'node id or name')
    .addOption(
      new Option(
        '--mode <mode>',
        'crash: the agent dies; hang: it stops answering; partition: its heartbeats are lost',
      )
        .choices(FAILURE_MODES)
        .default('crash'),
    )
    .action((node: string, options: { mode: string }, cmd: Command) =>
      nodeAction(
        CommandContext.of(io, cmd),
        node,
        'simulate/failure',
        () => `${options.mode} failure injected; watch it with: kubesim events --watch`,
        { mode: options.mode },
      ),
    );

  program
    .command('cordon')
    .description('mark a node unschedulable (its pods stay)')
    .argument('<node>', 'node id or name')
    .action((node: string, _options: unknown, cmd: Command) =>
      nodeAction(CommandContext.of(io, cmd), node, 'cordon', () => 'cordoned'),
    );

  program
    .command('uncordon')
    .description('mark a node schedulable again')
    .argument('<node>', 'node id or name')
    .action((node: string, _options: unknown, cmd: Command) =>
      nodeAction(CommandContext.of(io, cmd), node, 'uncordon', () => 'uncordoned'),
    );
}
