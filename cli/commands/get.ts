import { Argument, type Command } from 'commander';
import { type CliIo, CommandContext } from '../context';
import { listOptions } from './list-options';
import { listNetworkPolicies, listServices } from './network';
import { listNodes, type NodeFilters, showNode } from './nodes';
import { listPods, type PodFilters, showPod } from './pods';
import { listWorkloads, type WorkloadKindName } from './workloads';

const NODE_KINDS = ['node', 'nodes', 'no'];
const POD_KINDS = ['pod', 'pods', 'po'];
const SERVICE_KINDS = ['services', 'service', 'svc'];
const POLICY_KINDS = ['networkpolicies', 'networkpolicy', 'netpol'];
/** kubectl's names and short names of the workload kinds. */
const WORKLOAD_KINDS: Record<string, WorkloadKindName> = {
  deployments: 'deployments',
  deployment: 'deployments',
  deploy: 'deployments',
  replicasets: 'replicasets',
  replicaset: 'replicasets',
  rs: 'replicasets',
  daemonsets: 'daemonsets',
  daemonset: 'daemonsets',
  ds: 'daemonsets',
  jobs: 'jobs',
  job: 'jobs',
};

/** `get nodes`, `get node worker-1`, `get pods`, `get pod web`: kubectl habits. */
async function get(
  ctx: CommandContext,
  kind: string,
  name: string | undefined,
  filters: NodeFilters & PodFilters,
) {
  if (SERVICE_KINDS.includes(kind)) return listServices(ctx);
  if (POLICY_KINDS.includes(kind)) return listNetworkPolicies(ctx);
  if (WORKLOAD_KINDS[kind]) return listWorkloads(ctx, WORKLOAD_KINDS[kind]);
  if (NODE_KINDS.includes(kind)) {
    return name === undefined ? listNodes(ctx, filters) : showNode(ctx, name);
  }
  return name === undefined ? listPods(ctx, filters) : showPod(ctx, name, filters);
}

export function registerGetCommand(program: Command, io: CliIo): void {
  listOptions(
    program
      .command('get')
      .description(
        'kubectl style: list nodes or pods, or show one by id or name; list services, networkpolicies, deployments, replicasets, daemonsets or jobs',
      )
      .addArgument(
        new Argument(
          '<kind>',
          'nodes, pods, services, networkpolicies, deployments, replicasets, daemonsets or jobs',
        ).choices([
          ...NODE_KINDS,
          ...POD_KINDS,
          ...SERVICE_KINDS,
          ...POLICY_KINDS,
          ...Object.keys(WORKLOAD_KINDS),
        ]),
      )
      .argument('[name]', 'id or name of one node or pod')
      .option('--status <status>', 'only this status (lists)')
      .option('--type <type>', 'only this node type (node lists)')
      .option('--node <node>', 'only pods on this node (pod lists)')
      .option(
        '-n, --namespace <namespace>',
        "pods: this namespace's (default: every namespace; one pod by name: default)",
      ),
  ).action(
    (kind: string, name: string | undefined, options: NodeFilters & PodFilters, cmd: Command) =>
      get(CommandContext.of(io, cmd), kind, name, options),
  );
}
