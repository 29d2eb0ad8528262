import { KubeError } from './kube-status';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 7386 JSON merge patch: null removes, objects merge, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** RFC 6902 JSON patch (add, replace, remove, test) on a copy of `target`. */
export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch))
    throw new KubeError(400, 'a JSON patch must be an array of operations');
  const doc = structuredClone(target) as Record<string, unknown>;
  for (const op of patch as Array<Record<string, unknown>>) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw new KubeError(400, 'invalid JSON patch operation');
    const keys = op.path.split('/').slice(1).map(unescape);
    if (!keys.length)
      throw new KubeError(422, 'a JSON patch cannot replace the whole object', 'Invalid');
    let parent: unknown = doc;
    for (const k of keys.slice(0, -1)) {
      parent = (parent as Record<string, unknown>)?.[k];
      if (typeof parent !== 'object' || parent === null)
        throw new KubeError(422, `JSON patch path "${op.path}" does not exist`, 'Invalid');
    }
    const last = keys[keys.length - 1];
    const container = parent as Record<string, unknown> & unknown[];
    if (op.op === 'test') {
      if (JSON.stringify(container[last as never]) !== JSON.stringify(op.value))
        throw new KubeError(422, `JSON patch test failed at "${op.path}"`, 'Invalid');
    } else if (op.op === 'remove') {
      if (Array.isArray(container)) container.splice(Number(last), 1);
      else delete container[last];
    } else if (op.op === 'add' || op.op === 'replace') {
      if (Array.isArray(container) && op.op === 'add')
        container.splice(last === '-' ? container.length : Number(last), 0, op.value);
      else container[last as never] = op.value as never;
    } else throw new KubeError(422, `unsupported JSON patch operation "${op.op}"`, 'Invalid');
  }
  return doc;
}

/** Lists merged by a key in a strategic merge patch (as Kubernetes' `patchMergeKey` tags them). */
const MERGE_KEYS: Record<string, string> = { ports: 'port' };

function mergeByKey(target: unknown[], patch: unknown[], key: string): unknown[] {
  const out = [...target];
  const at = (v: unknown) =>
    out.findIndex((item) => isObject(item) && isObject(v) && item[key] === v[key]);
  for (const item of patch) {
    if (isObject(item) && item.$patch === 'delete') {
      for (let i = at(item); i >= 0; i = at(item)) out.splice(i, 1);
      continue;
    }
    const i = at(item);
    if (i >= 0) out[i] = strategicMerge(out[i], item);
    else out.push(strategicMerge(undefined, item));
  }
  return out;
}

/**
 * A strategic merge patch: like a merge patch, but lists with a merge key (a Service's ports)
 * merge item by item (`$patch: delete` removes one, `$setElementOrder` orders them); other
 * lists are replaced whole.
 */
function strategicMerge(target: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) return patch.map((p) => strategicMerge(undefined, p));
  if (!isObject(patch)) return patch;
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else if (Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(out[k]))
      out[k] = mergeByKey(out[k] as unknown[], v, MERGE_KEYS[k]);
    else out[k] = strategicMerge(out[k], v);
  }
  for (const [k, order] of Object.entries(patch)) {
    const m = /^\$setElementOrder\/(.+)$/.exec(k);
    const list = m ? out[m[1]] : undefined;
    const key = m ? MERGE_KEYS[m[1]] : undefined;
    if (!key || !Array.isArray(list) || !Array.isArray(order)) continue;
    const rank = (item: unknown) => {
      const i = order.findIndex((o) => isObject(o) && isObject(item) && o[key] === item[key]);
      return i < 0 ? order.length : i;
    };
    out[m![1]] = [...list].sort((x, y) => rank(x) - rank(y));
  }
  return out;
}

/** A patch of any of the three types kubectl sends, applied to an object. */
export function applyPatch(contentType: string, target: unknown, patch: unknown): unknown {
  if (contentType.startsWith('application/json-patch+json')) return jsonPatch(target, patch);
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  if (contentType.startsWith('application/strategic-merge-patch+json'))
    return strategicMerge(target, patch);
  return mergePatch(target, patch);
}
