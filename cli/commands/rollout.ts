import type { Command } from 'commander';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';
import { sleep } from '../progress';

/** What `rollout` reads of a Deployment or DaemonSet. */
export interface RolloutObject {
  metadata: { name: string; generation?: number; annotations?: Record<string, string> };
  spec: {
    replicas?: number;
    updateStrategy?: { type?: string };
    template?: { metadata?: { annotations?: Record<string, string> } };
  };
  status: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
    conditions?: Array<{ type: string; reason?: string }>;
  };
}

export interface RolloutState {
  message: string;
  done: boolean;
}

const RESOURCES = {
  deployment: 'deployments',
  deployments: 'deployments',
  deploy: 'deployments',
  daemonset: 'daemonsets',
  daemonsets: 'daemonsets',
  ds: 'daemonsets',
} as const;
type RolloutResource = (typeof RESOURCES)[keyof typeof RESOURCES];

/**
 * Where a rollout stands, in kubectl's words (its DeploymentStatusViewer and
 * DaemonSetStatusViewer): done once the controller has seen the latest spec and every replica
 * is updated and available. A Deployment past its progress deadline is an error.
 */
export function rolloutState(resource: RolloutResource, o: RolloutObject): RolloutState {
  const name = o.metadata.name;
  const s = o.status;
  const observed = (o.metadata.generation ?? 0) <= (s.observedGeneration ?? 0);
  if (resource === 'daemonsets') {
    const type = o.spec.updateStrategy?.type ?? 'RollingUpdate';
    if (type !== 'RollingUpdate')
      throw new CliError('rollout status is only available for RollingUpdate strategy type', 1);
    if (!observed)
      return { message: 'Waiting for daemon set spec update to be observed...', done: false };
    const desired = s.desiredNumberScheduled ?? 0;
    const updated = s.updatedNumberScheduled ?? 0;
    const available = s.numberAvailable ?? 0;
    if (updated < desired)
      return {
        message: `Waiting for daemon set "${name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
        done: false,
      };
    if (available < desired)
      return {
        message: `Waiting for daemon set "${name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
        done: false,
      };
    return { message: `daemon set "${name}" successfully rolled out`, done: true };
  }
  if (!observed)
    return { message: 'Waiting for deployment spec update to be observed...', done: false };
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded')
    throw new CliError(`deployment "${name}" exceeded its progress deadline`, 1);
  const wanted = o.spec.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const replicas = s.replicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < wanted)
    return {
      message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${wanted} new replicas have been updated...`,
      done: false,
    };
  if (replicas > updated)
    return {
      message: `Waiting for deployment "${name}" rollout to finish: ${replicas - updated} old replicas are pending termination...`,
      done: false,
    };
  if (available < updated)
    return {
      message: `Waiting for deployment "${name}" rollout to finish: ${available} of ${updated} updated replicas are available...`,
      done: false,
    };
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

/** `deployment/web` → the resource and name, or a usage error. */
function target(text: string): { resource: RolloutResource; name: string } {
  const [kind, name, extra] = text.split('/');
  const resource = RESOURCES[kind as keyof typeof RESOURCES];
  if (!resource || !name || extra !== undefined)
    throw new CliError(`${text}: expected deployment/NAME or daemonset/NAME`, 2);
  return { resource, name };
}

const pathOf = (resource: RolloutResource, ns: string, name: string) =>
  `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/${resource}/${encodeURIComponent(name)}`;

/** Parses kubectl's `--timeout` forms: `0` (no limit), `90s`, `5m`, `1h`, `500ms`. */
export function parseTimeout(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new CliError(`--timeout ${value}: expected a duration such as 90s or 5m`, 2);
  const scale: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number(m[1]) * scale[m[2] ?? 's'];
}

const POLL_MS = 500;

async function status(
  ctx: CommandContext,
  text: string,
  options: { namespace: string; watch: boolean; timeout: string },
): Promise<void> {
  const { resource, name } = target(text);
  const timeoutMs = parseTimeout(options.timeout);
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  let last = '';
  for (;;) {
    const object = await ctx.api.get<RolloutObject>(pathOf(resource, options.namespace, name));
    const state = rolloutState(resource, object);
    // as kubectl: each message once, as it changes
    if (state.message !== last) ctx.print(state.message);
    last = state.message;
    if (state.done || !options.watch) return;
    if (Date.now() >= deadline) throw new CliError('timed out waiting for the condition', 1);
    await sleep(Math.min(POLL_MS, deadline - Date.now()), ctx.io.signal);
  }
}

/** As `kubectl rollout restart`: a new template annotation, so every pod is replaced by a rollout. */
async function restart(
  ctx: CommandContext,
  text: string,
  options: { namespace: string },
): Promise<void> {
  const { resource, name } = target(text);
  await ctx.api.patch(
    pathOf(resource, options.namespace, name),
    {
      spec: {
        template: {
          metadata: {
            annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() },
          },
        },
      },
    },
    'application/strategic-merge-patch+json',
  );
  ctx.print(
    `${resource === 'deployments' ? 'deployment.apps' : 'daemonset.apps'}/${name} restarted`,
  );
}

export function registerRolloutCommand(program: Command, io: CliIo): void {
  const rollout = program
    .command('rollout')
    .description('follow or restart the rollout of a Deployment or DaemonSet (kubectl rollout)');
  rollout
    .command('status')
    .description('wait until the rollout is done, printing its progress as kubectl does')
    .argument('<target>', 'deployment/NAME or daemonset/NAME')
    .option('-n, --namespace <namespace>', 'its namespace', 'default')
    .option(
      '-w, --watch [bool]',
      'keep watching until done (--watch=false prints once)',
      (v) => v !== 'false',
      true,
    )
    .option('--timeout <duration>', 'how long to wait (0: no limit)', '0')
    .action(
      (t: string, options: { namespace: string; watch: boolean; timeout: string }, cmd: Command) =>
        status(CommandContext.of(io, cmd), t, options),
    );
  rollout
    .command('restart')
    .description('replace every pod by a rollout (a new restartedAt template annotation)')
    .argument('<target>', 'deployment/NAME or daemonset/NAME')
    .option('-n, --namespace <namespace>', 'its namespace', 'default')
    .action((t: string, options: { namespace: string }, cmd: Command) =>
      restart(CommandContext.of(io, cmd), t, options),
    );
}
