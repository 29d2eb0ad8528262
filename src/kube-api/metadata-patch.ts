import type { V1Pod } from '@kubernetes/client-node';
import { KubeError } from './kube-status';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** The labels and annotations a patch leaves a pod with; any other change is a 422. */
export function patchMetadata(
  contentType: string,
  patch: unknown,
  pod: V1Pod,
  kind: 'Pod' | 'Namespace' = 'Pod',
): { labels: Record<string, unknown>; annotations: Record<string, unknown> } {
  const name = pod.metadata!.name!;
  const labels: Record<string, unknown> = { ...(pod.metadata?.labels ?? {}) };
  const annotations: Record<string, unknown> = { ...(pod.metadata?.annotations ?? {}) };
  delete annotations['kubesim.io/pod-id'];
  const refuse = (field: string) =>
    KubeError.invalid(kind, name, [
      {
        field,
        message: `Forbidden: kubesim changes only metadata.labels and metadata.annotations of a ${kind.toLowerCase()}`,
      },
    ]);
  const maps: Record<string, Record<string, unknown>> = { labels, annotations };
  if (contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(patch))
      throw new KubeError(400, 'a JSON patch must be an array of operations');
    for (const op of patch as Array<Record<string, unknown>>) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
        throw new KubeError(400, 'invalid JSON patch operation');
      if (op.op === 'test') continue;
      const m = /^\/metadata\/(labels|annotations)(?:\/(.+))?$/.exec(op.path);
      if (!m) throw refuse(op.path.slice(1).replace(/\//g, '.'));
      const map = maps[m[1]];
      if (m[2] === undefined) {
        for (const k of Object.keys(map)) delete map[k];
        if (op.op !== 'remove' && isObject(op.value)) Object.assign(map, op.value);
      } else if (op.op === 'remove') delete map[unescapePointer(m[2])];
      else if (op.op === 'add' || op.op === 'replace') map[unescapePointer(m[2])] = op.value;
      else throw new KubeError(422, `unsupported JSON patch operation "${op.op}"`, 'Invalid');
    }
    return { labels, annotations };
  }
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key !== 'metadata' || !isObject(value)) throw refuse(key);
    for (const [field, v] of Object.entries(value)) {
      if (field === 'labels' || field === 'annotations') {
        if (v === null) {
          for (const k of Object.keys(maps[field])) delete maps[field][k];
          continue;
        }
        if (!isObject(v)) throw new KubeError(422, `metadata.${field} must be a map`, 'Invalid');
        for (const [k, val] of Object.entries(v)) {
          if (val === null) delete maps[field][k];
          else maps[field][k] = val;
        }
      } else if (!['name', 'namespace', 'resourceVersion', 'uid'].includes(field)) {
        throw refuse(`metadata.${field}`);
      }
    }
  }
  return { labels, annotations };
}
