import type { V1Node } from '@kubernetes/client-node';
import { KubeError } from './kube-status';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a node patch changes: spec.unschedulable and spec.taints (undefined: untouched). */
export interface NodeChange {
  unschedulable?: boolean;
  /** the whole list as sent (null: removed), state taints still in it */
  taints?: unknown;
}

/** What changing anything of a node but its cordon and taints is answered. */
export function nodeRefusal(name: string, field: string): KubeError {
  return KubeError.invalid('Node', name, [
    {
      field,
      message:
        'Forbidden: kubesim changes only spec.unschedulable and spec.taints through this API',
    },
  ]);
}

/**
 * spec.unschedulable and spec.taints as a patch sets them: `kubectl cordon` sends the one,
 * `kubectl taint` the other (a strategic merge patch with the whole list). Merge and
 * strategic merge patches set or remove (null) them; a JSON patch adds, replaces or removes
 * /spec/unschedulable or /spec/taints. Any other change is refused (422), never ignored.
 */
export function nodeChangeFromPatch(contentType: string, patch: unknown, node: V1Node): NodeChange {
  const name = node.metadata!.name!;
  const refuse = (field: string) => nodeRefusal(name, field);
  const change: NodeChange = {};
  if (contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(patch))
      throw new KubeError(400, 'a JSON patch must be an array of operations');
    for (const op of patch as Array<Record<string, unknown>>) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
        throw new KubeError(400, 'invalid JSON patch operation');
      if (op.op === 'test') continue;
      if (op.path === '/spec/taints') {
        if (op.op === 'remove') change.taints = null;
        else if (op.op === 'add' || op.op === 'replace') change.taints = op.value;
        else throw new KubeError(422, 'spec.taints must be set to a list', 'Invalid');
        continue;
      }
      if (op.path !== '/spec/unschedulable') throw refuse(op.path.slice(1).replace(/\//g, '.'));
      if (op.op === 'remove') change.unschedulable = false;
      else if ((op.op === 'add' || op.op === 'replace') && typeof op.value === 'boolean')
        change.unschedulable = op.value;
      else throw new KubeError(422, 'spec.unschedulable must be set to a boolean', 'Invalid');
    }
    return change;
  }
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'spec' && isObject(value)) {
      for (const [field, v] of Object.entries(value)) {
        if (field === 'taints') {
          change.taints = v;
          continue;
        }
        if (field !== 'unschedulable') throw refuse(`spec.${field}`);
        if (v === null || v === false) change.unschedulable = false;
        else if (v === true) change.unschedulable = true;
        else throw new KubeError(422, 'spec.unschedulable must be a boolean', 'Invalid');
      }
    } else if (key === 'metadata' && isObject(value)) {
      // kubectl sends what it compared against; equal names and versions change nothing
      for (const field of Object.keys(value))
        if (!['name', 'resourceVersion', 'uid'].includes(field)) throw refuse(`metadata.${field}`);
    } else if (key !== 'apiVersion' && key !== 'kind') {
      throw refuse(key);
    }
  }
  return change;
}

/** spec.unschedulable as a patch sets it (see `nodeChangeFromPatch`). */
export function unschedulableFromPatch(
  contentType: string,
  patch: unknown,
  node: V1Node,
): boolean | undefined {
  return nodeChangeFromPatch(contentType, patch, node).unschedulable;
}
