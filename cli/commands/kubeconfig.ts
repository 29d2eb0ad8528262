import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import YAML from 'yaml';
import { type CliIo, CommandContext } from '../context';
import { CliError } from '../errors';

interface Named {
  name: string;
  [key: string]: unknown;
}

interface KubeConfig {
  apiVersion?: string;
  kind?: string;
  clusters?: Named[];
  contexts?: Named[];
  users?: Named[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A kubeconfig with one cluster, user and context, all named `name`, for kubesim's server. */
export function kubeconfigFor(server: string, token: string | undefined, name: string): KubeConfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    // @kubernetes/client-node refuses a plain-http server unless TLS checks are waived
    clusters: [
      {
        name,
        cluster: server.startsWith('http:')
          ? { server, 'insecure-skip-tls-verify': true }
          : { server },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    users: [{ name, user: token ? { token } : {} }],
    preferences: {},
  };
}

/** `mine` merged into `theirs`: entries of the same name replaced, the others kept. */
export function mergeKubeconfig(theirs: KubeConfig, mine: KubeConfig): KubeConfig {
  const merge = (a: Named[] | undefined, b: Named[] | undefined) => {
    const replaced = new Set((b ?? []).map((e) => e.name));
    return [...(a ?? []).filter((e) => !replaced.has(e.name)), ...(b ?? [])];
  };
  return {
    ...theirs,
    apiVersion: theirs.apiVersion ?? 'v1',
    kind: theirs.kind ?? 'Config',
    clusters: merge(theirs.clusters, mine.clusters),
    contexts: merge(theirs.contexts, mine.contexts),
    users: merge(theirs.users, mine.users),
    'current-context': mine['current-context'],
    preferences: theirs.preferences ?? {},
  };
}

/** Where kubectl reads its config: the first file of $KUBECONFIG, else ~/.kube/config. */
function defaultPath(env: CliIo['env']): string {
  const first = (env.KUBECONFIG ?? '').split(':').find((p) => p.length > 0);
  if (first) return first;
  const home = env.HOME ?? env.USERPROFILE;
  if (!home)
    throw new CliError('cannot tell where ~/.kube/config is: HOME is not set (use --kubeconfig)');
  return join(home, '.kube', 'config');
}

async function kubeconfig(
  ctx: CommandContext,
  options: { write?: boolean; kubeconfig?: string; context: string },
): Promise<void> {
  const mine = kubeconfigFor(ctx.server, ctx.token, options.context);
  if (!options.write) {
    ctx.io.stdout.write(YAML.stringify(mine));
    return;
  }
  const path = options.kubeconfig ?? defaultPath(ctx.io.env);
  let theirs: KubeConfig = {};
  try {
    const parsed: unknown = YAML.parse(await readFile(path, 'utf8'));
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed))
        throw new CliError(`${path} is not a kubeconfig (expected a YAML mapping)`);
      theirs = parsed as KubeConfig;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot read ${path}: ${(err as Error).message}`);
    }
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, YAML.stringify(mergeKubeconfig(theirs, mine)), { mode: 0o600 });
  ctx.note(
    `context "${options.context}" for ${ctx.server} written to ${path} (now the current context)`,
  );
}

export function registerKubeconfigCommand(program: Command, io: CliIo): void {
  program
    .command('kubeconfig')
    .description(
      "print a kubeconfig for kubectl to drive this server (--write merges it into kubectl's)",
    )
    .option('--write', 'merge into $KUBECONFIG or ~/.kube/config and make it the current context')
    .option('--kubeconfig <path>', 'the file --write merges into')
    .option('--context <name>', 'name of the context, cluster and user', 'kubesim')
    .action((options: { write?: boolean; kubeconfig?: string; context: string }, cmd: Command) =>
      kubeconfig(CommandContext.of(io, cmd), options),
    );
}
