import type { Command } from 'commander';
import { positiveInteger } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';
import { formatAge, renderTable } from '../format';

interface Reachability {
  allowed: boolean;
  reason: string;
  policies: string[];
  endpoints?: Array<{ pod: string; allowed: boolean; reason: string }>;
}

interface KubeList {
  items: Array<{
    metadata: { name: string; namespace: string; creationTimestamp: string };
    spec: Record<string, unknown>;
  }>;
}

/** `kubesim can-reach web db --port 6379`: exit 0 when allowed, 1 when denied, with the reason. */
async function canReach(
  ctx: CommandContext,
  from: string,
  to: string,
  options: { port: number; protocol?: string },
) {
  const query = new URLSearchParams({ from, to, port: String(options.port) });
  if (options.protocol) query.set('protocol', options.protocol);
  const answer = await ctx.api.get<Reachability>(`/network/reachability?${query}`);
  ctx.show(answer, () => {
    const lines = [`${answer.allowed ? 'allowed' : 'denied'}: ${answer.reason}`];
    for (const e of answer.endpoints ?? [])
      lines.push(`  ${e.allowed ? 'allowed' : 'denied '}  ${e.pod}`);
    return lines.join('\n');
  });
  if (!answer.allowed) throw new CliError(`${from} may not reach ${to} on port ${options.port}`);
}

function ports(spec: Record<string, unknown>): string {
  const list = (spec.ports ?? []) as Array<{ port: number; nodePort?: number; protocol: string }>;
  return list.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol}`).join(',');
}

/** Services as `kubectl get svc` lists them (through the Kubernetes API). */
export async function listServices(ctx: CommandContext): Promise<void> {
  const list = await ctx.api.get<KubeList>('/api/v1/services');
  ctx.show(list.items, () =>
    renderTable(
      ctx.palette,
      ['NAMESPACE', 'NAME', 'TYPE', 'CLUSTER-IP', 'PORT(S)', 'AGE'],
      list.items.map((s) => [
        s.metadata.namespace,
        s.metadata.name,
        String(s.spec.type ?? 'ClusterIP'),
        String(s.spec.clusterIP ?? 'None'),
        ports(s.spec) || '<none>',
        formatAge(s.metadata.creationTimestamp),
      ]),
    ),
  );
}

/** NetworkPolicies as `kubectl get netpol` lists them. */
export async function listNetworkPolicies(ctx: CommandContext): Promise<void> {
  const list = await ctx.api.get<KubeList>('/apis/networking.k8s.io/v1/networkpolicies');
  ctx.show(list.items, () =>
    renderTable(
      ctx.palette,
      ['NAMESPACE', 'NAME', 'POD-SELECTOR', 'POLICY-TYPES', 'AGE'],
      list.items.map((p) => {
        const selector = (p.spec.podSelector ?? {}) as { matchLabels?: Record<string, string> };
        const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
        return [
          p.metadata.namespace,
          p.metadata.name,
          labels.length ? labels.join(',') : '<all pods>',
          ((p.spec.policyTypes ?? []) as string[]).join(','),
          formatAge(p.metadata.creationTimestamp),
        ];
      }),
    ),
  );
}

export function registerNetworkCommands(program: Command, io: CliIo): void {
  program
    .command('can-reach')
    .description(
      'whether a pod may reach a pod or Service on a port, as the NetworkPolicies decide (exit 0 allowed, 1 denied)',
    )
    .argument('<from>', 'the source pod: <namespace>/<pod> or a bare name (default namespace)')
    .argument('<to>', 'the destination pod or Service: <namespace>/<name> or a bare name')
    .requiredOption(
      '--port <port>',
      'the destination port (a Service port for a Service)',
      positiveInteger,
    )
    .option('--protocol <protocol>', 'TCP (default), UDP or SCTP')
    .action(
      (from: string, to: string, options: { port: number; protocol?: string }, cmd: Command) =>
        canReach(CommandContext.of(io, cmd), from, to, options),
    );
}
