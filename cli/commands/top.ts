import type { Command } from 'commander';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';
import { parseQuantity } from '../../src/kube-api/quantity';
import { renderTable } from '../format';

/** What metrics.k8s.io answers for a node or a pod (as metrics-server does). */
interface Metrics {
  metadata: { name: string; namespace?: string };
  usage?: { cpu: string; memory: string };
  containers?: Array<{ name: string; usage: { cpu: string; memory: string } }>;
}

interface KubeNode {
  metadata: { name: string };
  status?: { allocatable?: { cpu?: string; memory?: string } };
}

/** A Kubernetes quantity (`900m`, `2`, `307200Ki`, `8Gi`) in its base unit; NaN if unreadable. */
export function quantity(text: string | undefined): number {
  try {
    return parseQuantity(text, 'usage');
  } catch {
    return NaN;
  }
}

/** As kubectl top prints them: millicores and MiB. */
const millicores = (cpu: string) => `${Math.round(quantity(cpu) * 1000)}m`;
const mebibytes = (memory: string) => `${Math.round(quantity(memory) / 1024 ** 2)}Mi`;
const percent = (used: number, of: number) =>
  Number.isFinite(used) && of > 0 ? `${Math.round((used / of) * 100)}%` : '<unknown>';

async function topNodes(ctx: CommandContext): Promise<void> {
  const [metrics, nodes] = await Promise.all([
    ctx.api.get<{ items: Metrics[] }>('/apis/metrics.k8s.io/v1beta1/nodes'),
    ctx.api.get<{ items: KubeNode[] }>('/api/v1/nodes'),
  ]);
  const allocatable = new Map(nodes.items.map((n) => [n.metadata.name, n.status?.allocatable]));
  ctx.show(metrics.items, () => {
    if (!metrics.items.length) return 'no node has reported its use yet';
    return renderTable(
      ctx.palette,
      ['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%'],
      metrics.items.map((m) => {
        const of = allocatable.get(m.metadata.name);
        return [
          m.metadata.name,
          millicores(m.usage!.cpu),
          percent(quantity(m.usage!.cpu), quantity(of?.cpu)),
          mebibytes(m.usage!.memory),
          percent(quantity(m.usage!.memory), quantity(of?.memory)),
        ];
      }),
    );
  });
}

async function topPods(
  ctx: CommandContext,
  options: { namespace: string; allNamespaces?: boolean },
): Promise<void> {
  const path = options.allNamespaces
    ? '/apis/metrics.k8s.io/v1beta1/pods'
    : `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(options.namespace)}/pods`;
  const metrics = await ctx.api.get<{ items: Metrics[] }>(path);
  const sum = (m: Metrics, key: 'cpu' | 'memory') =>
    (m.containers ?? []).reduce((total, c) => total + quantity(c.usage[key]), 0);
  ctx.show(metrics.items, () => {
    if (!metrics.items.length)
      return options.allNamespaces
        ? 'no pod has reported its use yet'
        : `no pod in namespace ${options.namespace} has reported its use yet`;
    return renderTable(
      ctx.palette,
      [...(options.allNamespaces ? ['NAMESPACE'] : []), 'NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      metrics.items.map((m) => [
        ...(options.allNamespaces ? [m.metadata.namespace ?? ''] : []),
        m.metadata.name,
        `${Math.round(sum(m, 'cpu') * 1000)}m`,
        `${Math.round(sum(m, 'memory') / 1024 ** 2)}Mi`,
      ]),
    );
  });
}

export function registerTopCommand(program: Command, io: CliIo): void {
  program
    .command('top')
    .description('the CPU and memory the agents report, as kubectl top shows them (metrics.k8s.io)')
    .argument('<what>', 'nodes or pods')
    .option('-n, --namespace <namespace>', 'pods of this namespace', 'default')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .action(
      (what: string, options: { namespace: string; allNamespaces?: boolean }, cmd: Command) => {
        const ctx = CommandContext.of(io, cmd);
        if (['nodes', 'node', 'no'].includes(what)) return topNodes(ctx);
        if (['pods', 'pod', 'po'].includes(what)) return topPods(ctx, options);
        throw new CliError(`top ${what}: expected nodes or pods`, 2);
      },
    );
}
