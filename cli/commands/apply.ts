import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import YAML from 'yaml';
import { type CliIo, CommandContext, type InputStream } from '../context';
import { ApiError, CliError, EXIT_USAGE } from '../errors';
import { KubeObjects, type KubeObject } from '../scenario/kube-objects';

/** The documents of a manifest file: one or many (`---`), a `kind: List` opened up. */
export function manifestsOf(text: string, source: string): KubeObject[] {
  const docs = YAML.parseAllDocuments(text);
  const out: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length)
      throw new CliError(
        `${source}: document ${i + 1} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`,
        EXIT_USAGE,
      );
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return; // an empty document
    const objects =
      typeof value === 'object' && (value as KubeObject).kind === 'List'
        ? ((value as { items?: unknown[] }).items ?? [])
        : [value];
    for (const o of objects) {
      const m = o as KubeObject;
      if (typeof o !== 'object' || o === null || !m.apiVersion || !m.kind || !m.metadata?.name)
        throw new CliError(
          `${source}: document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`,
          EXIT_USAGE,
        );
      out.push(m);
    }
  });
  if (!out.length) throw new CliError(`${source}: no objects to apply`, EXIT_USAGE);
  return out;
}

async function readStream(stream: InputStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** kubectl's name of an object in its output: `deployment.apps/web`, `pod/api`. */
function shownName(m: KubeObject): string {
  const group = m.apiVersion!.includes('/') ? `.${m.apiVersion!.split('/')[0]}` : '';
  return `${m.kind!.toLowerCase()}${group}/${m.metadata!.name}`;
}

/**
 * `kubesim apply -f FILE` (or `-f -`): every object of the file created, or merged into the
 * one that exists, through the Kubernetes API, as `kubectl apply` does; one line an object,
 * and exit 1 when any was refused (the others are still applied).
 */
async function apply(
  ctx: CommandContext,
  options: { filename: string; namespace?: string },
): Promise<void> {
  let text: string;
  if (options.filename === '-') {
    if (!ctx.io.stdin) throw new CliError('-f -: there is no standard input to read', EXIT_USAGE);
    text = await readStream(ctx.io.stdin);
  } else {
    try {
      text = await readFile(options.filename, 'utf8');
    } catch (err) {
      throw new CliError(
        `cannot read ${options.filename}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        EXIT_USAGE,
      );
    }
  }
  const source = options.filename === '-' ? 'standard input' : options.filename;
  const manifests = manifestsOf(text, source);
  const objects = new KubeObjects(ctx.api);
  const results: Array<{ object: string; result: string }> = [];
  let failed = 0;
  // checked for every object before any is applied
  for (const m of manifests) {
    const given = m.metadata!.namespace;
    if (options.namespace && given && given !== options.namespace)
      throw new CliError(
        `the namespace from the provided object "${given}" does not match the namespace "${options.namespace}": pass --namespace ${given} or leave it out`,
        EXIT_USAGE,
      );
  }
  for (const m of manifests) {
    const manifest = options.namespace
      ? { ...m, metadata: { ...m.metadata, namespace: options.namespace } }
      : m;
    try {
      const result = await objects.apply(manifest);
      results.push({ object: shownName(m), result });
      if (!ctx.json) ctx.print(`${shownName(m)} ${result}`);
    } catch (err) {
      if (!(err instanceof ApiError) && !(err instanceof CliError)) throw err;
      failed++;
      results.push({ object: shownName(m), result: `error: ${err.message}` });
      ctx.note(`error: ${shownName(m)}: ${err.message}`);
    }
  }
  if (ctx.json) ctx.print(JSON.stringify(results, null, 2));
  if (failed) throw new CliError(`${failed} of ${manifests.length} objects were not applied`);
}

export function registerApplyCommand(program: Command, io: CliIo): void {
  program
    .command('apply')
    .description(
      'create or change the Kubernetes objects of a manifest (kubectl apply): any kind the server serves, one or many documents',
    )
    .requiredOption('-f, --filename <file>', 'the manifest (YAML or JSON; - for standard input)')
    .option('-n, --namespace <namespace>', 'for objects that name none (default: default)')
    .action((options: { filename: string; namespace?: string }, cmd: Command) =>
      apply(CommandContext.of(io, cmd), options),
    );
}
