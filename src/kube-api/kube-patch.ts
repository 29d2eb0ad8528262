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

/**
 * A patch of any of the three types kubectl sends applied to an object. A strategic merge
 * patch is read as a merge patch: lists are replaced whole (kubectl sends the whole list of
 * ports or rules it changes).
 */
export function applyPatch(contentType: string, target: unknown, patch: unknown): unknown {
  if (contentType.startsWith('application/json-patch+json')) return jsonPatch(target, patch);
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  const clean = structuredClone(patch);
  // strategic merge patch directives kubectl may add: lists are replaced anyway
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (!k.startsWith('$')) out[k] = strip(val);
    return out;
  };
  return mergePatch(target, strip(clean));
}
