import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { type Command, Option } from 'commander';
import YAML from 'yaml';
import { segment } from '../api-client';
import type { PodStatus, PodView } from '../api-types';
import { generatedName, positiveInteger, positiveNumber } from '../args';
import { type CliIo, CommandContext } from '../context';
import { CliError, UsageError } from '../errors';
import { colourStatus } from '../format';
import { podDetail, podTable } from '../views';
import { listOptions, type ListOptions } from './list-options';

const POD_STATUSES: PodStatus[] = ['pending', 'scheduled', 'running', 'succeeded', 'failed'];
const DEFAULT_IMAGE = 'nginx:latest';
const DEFAULT_MEMORY_MB = 128;

export interface PodFilters extends ListOptions {
  status?: string;
  node?: string;
  namespace?: string;
}

interface NamespaceOption {
  namespace?: string;
}

/** `?namespace=` for a pod given by name (a bare name is in `default`). */
const inNamespace = (options: NamespaceOption) =>
  options.namespace ? `?namespace=${encodeURIComponent(options.namespace)}` : '';

const NAMESPACE_FLAGS = '-n, --namespace <namespace>';

export async function listPods(ctx: CommandContext, filters: PodFilters): Promise<void> {
  const pods = await ctx.api.get<PodView[]>('/pods', {
    status: filters.status,
    node: filters.node,
    namespace: filters.namespace,
    limit: filters.limit,
    offset: filters.offset,
  });
  if (!ctx.json && pods.length === 0) {
    ctx.note('No pods found.');
    return;
  }
  ctx.show(pods, () => podTable(ctx.palette, pods, ctx.wide, !filters.namespace));
}

export async function showPod(
  ctx: CommandContext,
  idOrName: string,
  options: NamespaceOption = {},
): Promise<void> {
  const pod = await ctx.api.get<PodView>(`/pods/${segment(idOrName)}${inNamespace(options)}`);
  ctx.show(pod, () => podDetail(ctx.palette, pod));
}

interface LaunchPodOptions {
  name?: string;
  image?: string;
  memory?: number;
  algorithm?: string;
  file?: string;
  namespace?: string;
}

/**
 * Without -f: one container named after the pod, requesting all of its CPU.
 * With -f: the file is the body; flags given on the command line override its
 * top-level fields.
 */
async function launchPod(
  ctx: CommandContext,
  cpus: number | undefined,
  options: LaunchPodOptions,
): Promise<void> {
  let body: Record<string, unknown>;
  if (options.file) {
    if (options.image !== undefined) {
      throw new UsageError('--image cannot be combined with -f; set the image in the file');
    }
    body = await readPodFile(options.file);
    if (options.name) body.name = options.name;
    else if (body.name === undefined) body.name = generatedName('pod');
    if (cpus !== undefined) body.cpu_cores_req = cpus;
    if (options.memory !== undefined) body.memory_mb_req = options.memory;
    if (options.algorithm) body.scheduler_algorithm = options.algorithm;
  } else {
    if (cpus === undefined)
      throw new UsageError("missing required argument 'cpus' (or give -f <file>)");
    const name = options.name ?? generatedName('pod');
    const memory = options.memory ?? DEFAULT_MEMORY_MB;
    body = {
      name,
      cpu_cores_req: cpus,
      memory_mb_req: memory,
      ...(options.algorithm ? { scheduler_algorithm: options.algorithm } : {}),
      containers: [
        { name, image: options.image ?? DEFAULT_IMAGE, cpu_req: cpus, memory_req: memory },
      ],
    };
  }
  if (options.namespace) body.namespace = options.namespace;
  const pod = await ctx.api.post<PodView>('/pods', body);
  ctx.show(pod, () => `pod/${pod.name} created (id ${pod.id}): ${placement(ctx, pod)}`);
}

function placement(ctx: CommandContext, pod: PodView): string {
  const status = colourStatus(ctx.palette, pod.status);
  if (pod.node_name) return `${status} on node ${pod.node_name}${pod.ip ? ` (ip ${pod.ip})` : ''}`;
  return pod.reason ? `${status}: ${pod.reason}` : status;
}

async function readPodFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const asJson = extname(path).toLowerCase() === '.json';
  let parsed: unknown;
  try {
    parsed = asJson ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new CliError(`${path} is not valid ${asJson ? 'JSON' : 'YAML'}: ${reason}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`${path} must hold one pod object (name, containers, ...)`);
  }
  return parsed as Record<string, unknown>;
}

async function deletePod(
  ctx: CommandContext,
  idOrName: string,
  options: NamespaceOption,
): Promise<void> {
  const { body } = await ctx.api.delete<{ name?: string }>(
    `/pods/${segment(idOrName)}${inNamespace(options)}`,
  );
  ctx.show(body, () => `pod/${body?.name ?? idOrName} deleted`);
}

async function restartPod(
  ctx: CommandContext,
  idOrName: string,
  options: NamespaceOption,
): Promise<void> {
  const pod = await ctx.api.post<PodView>(
    `/pods/${segment(idOrName)}/restart${inNamespace(options)}`,
  );
  ctx.show(pod, () => `pod/${pod.name} restarted (restarts: ${pod.restart_count})`);
}

/** Prints what the pod's container printed; with `follow`, until the pod ends or Ctrl-C. */
async function podLogs(
  ctx: CommandContext,
  idOrName: string,
  options: { container?: string; tail?: number; follow?: boolean; timestamps?: boolean },
): Promise<void> {
  const query = new URLSearchParams();
  if (options.container) query.set('container', options.container);
  if (options.tail !== undefined) query.set('tail', String(options.tail));
  if (options.follow) query.set('follow', 'true');
  if (options.timestamps) query.set('timestamps', 'true');
  const search = query.toString();
  const body = await ctx.api.openStream(
    `/pods/${segment(idOrName)}/logs${search ? `?${search}` : ''}`,
    { signal: ctx.io.signal },
  );
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      ctx.io.stdout.write(decoder.decode(value, { stream: true }));
    }
  } catch {
    // Ctrl-C ends a follow: what came is printed
  }
}

export function registerPodCommands(program: Command, io: CliIo): void {
  program
    .command('logs')
    .description("print what a pod's simulated container printed")
    .argument('<pod>', 'pod id or name')
    .option('-c, --container <name>', 'the container, when the pod has several')
    .option('--tail <lines>', 'only the last N lines', positiveNumber)
    .option('-f, --follow', 'keep printing new lines until the pod ends')
    .option('--timestamps', 'start each line with its time')
    .action((pod: string, options: Parameters<typeof podLogs>[2], cmd: Command) =>
      podLogs(CommandContext.of(io, cmd), pod, options),
    );

  program
    .command('launch-pod')
    .description('create a pod requesting [cpus] cores, or the pod described in a file')
    .argument('[cpus]', 'CPU cores the pod requests (optional with -f)', positiveNumber)
    .option('--name <name>', 'pod name (default: pod-<5 random characters>)')
    .option('--image <image>', `container image (default: ${DEFAULT_IMAGE})`)
    .option(
      '--memory <mb>',
      `memory request in MB (default: ${DEFAULT_MEMORY_MB})`,
      positiveInteger,
    )
    .option('--algorithm <name>', "scheduling algorithm for this pod (default: the cluster's)")
    .option('-f, --file <path>', 'pod spec as JSON or YAML: the request body of POST /pods')
    .option(NAMESPACE_FLAGS, 'the namespace to make it in (default: default)')
    .action((cpus: number | undefined, options: LaunchPodOptions, cmd: Command) =>
      launchPod(CommandContext.of(io, cmd), cpus, options),
    );

  listOptions(
    program
      .command('list-pods')
      .description('list pods')
      .addOption(new Option('--status <status>', 'only pods in this status').choices(POD_STATUSES))
      .option('--node <node>', 'only pods on this node (id or name)')
      .option(NAMESPACE_FLAGS, "only this namespace's pods (default: every namespace)"),
  ).action((options: PodFilters, cmd: Command) => listPods(CommandContext.of(io, cmd), options));

  program
    .command('get-pod')
    .description('show one pod: node, containers, volumes, config')
    .argument('<pod>', 'pod id or name')
    .option(NAMESPACE_FLAGS, 'the namespace of a pod given by name (default: default)')
    .action((pod: string, options: NamespaceOption, cmd: Command) =>
      showPod(CommandContext.of(io, cmd), pod, options),
    );

  program
    .command('delete-pod')
    .description('delete a pod; its CPU is freed at once')
    .argument('<pod>', 'pod id or name')
    .option(NAMESPACE_FLAGS, 'the namespace of a pod given by name (default: default)')
    .action((pod: string, options: NamespaceOption, cmd: Command) =>
      deletePod(CommandContext.of(io, cmd), pod, options),
    );

  program
    .command('restart-pod')
    .description("restart a pod's containers on its node")
    .argument('<pod>', 'pod id or name')
    .option(NAMESPACE_FLAGS, 'the namespace of a pod given by name (default: default)')
    .action((pod: string, options: NamespaceOption, cmd: Command) =>
      restartPod(CommandContext.of(io, cmd), pod, options),
    );
}
