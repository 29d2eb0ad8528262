/**
 * The three patch types kube-apiserver takes, over plain JSON objects: RFC 6902 JSON
 * patch, RFC 7386 merge patch, and the strategic merge patch for the fields workloads
 * have (lists of named things merge by their key, so `kubectl set image` changes one
 * container and keeps the rest).
 */

export class PatchError extends Error {}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return clone(patch);
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The merge key of each list a Deployment or ReplicaSet holds (Kubernetes' patchMergeKey). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  ports: 'containerPort',
  imagePullSecrets: 'name',
  tolerations: 'key',
};

/** A strategic merge patch: a merge patch whose keyed lists merge item by item. */
export function strategicMergePatch(target: Json, patch: Json, field = ''): Json {
  if (Array.isArray(patch)) {
    const key = MERGE_KEYS[field];
    if (!key || !Array.isArray(target))
      return clone(patch.filter((p) => !(isObject(p) && '$patch' in p)));
    const out = target.map((t) => clone(t));
    for (const item of patch) {
      if (!isObject(item) || item[key] === undefined)
        throw new PatchError(`${field}: every item needs its merge key "${key}"`);
      const at = out.findIndex((t) => isObject(t) && t[key] === item[key]);
      if (item.$patch === 'delete') {
        if (at >= 0) out.splice(at, 1);
        continue;
      }
      if (at >= 0) out[at] = strategicMergePatch(out[at], item, '');
      else out.push(strategicMergePatch({}, item, ''));
    }
    return out;
  }
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const rest = { ...patch };
    delete rest.$patch;
    return clone(rest);
  }
  const out: Record<string, Json> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue;
    if (v === null) delete out[k];
    else out[k] = strategicMergePatch(out[k], v, k);
  }
  return out;
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, parts: string[], path: string): { parent: Json; key: string } {
  let at: Json = doc;
  for (const p of parts.slice(0, -1)) {
    if (Array.isArray(at)) at = at[Number(p)];
    else if (isObject(at)) at = at[p];
    else at = undefined;
    if (at === undefined) throw new PatchError(`path "${path}" does not exist`);
  }
  return { parent: at, key: parts[parts.length - 1] };
}

function get(doc: Json, path: string): Json {
  let at: Json = doc;
  for (const p of pointer(path)) {
    at = Array.isArray(at) ? at[Number(p)] : isObject(at) ? at[p] : undefined;
    if (at === undefined) throw new PatchError(`path "${path}" does not exist`);
  }
  return at;
}

function put(doc: Json, path: string, value: Json, insert: boolean): Json {
  const parts = pointer(path);
  if (!parts.length) return clone(value);
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(i) || i < 0 || i > parent.length - (insert ? 0 : 1))
      throw new PatchError(`index "${key}" is out of range in "${path}"`);
    parent.splice(i, insert ? 0 : 1, clone(value));
  } else if (isObject(parent)) {
    if (!insert && !(key in parent)) throw new PatchError(`path "${path}" does not exist`);
    parent[key] = clone(value);
  } else throw new PatchError(`path "${path}" does not exist`);
  return doc;
}

function remove(doc: Json, path: string): Json {
  const parts = pointer(path);
  const { parent, key } = parentOf(doc, parts, path);
  if (Array.isArray(parent)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length)
      throw new PatchError(`index "${key}" is out of range in "${path}"`);
    parent.splice(i, 1);
  } else if (isObject(parent) && key in parent) delete parent[key];
  else throw new PatchError(`path "${path}" does not exist`);
  return doc;
}

/** RFC 6902. */
export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw new PatchError('a JSON patch is a list of operations');
  let doc = clone(target);
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
      throw new PatchError('every JSON patch operation needs "op" and "path"');
    switch (op.op) {
      case 'add':
        doc = put(doc, op.path, op.value, true);
        break;
      case 'replace':
        doc = put(doc, op.path, op.value, false);
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'test':
        if (JSON.stringify(get(doc, op.path)) !== JSON.stringify(op.value))
          throw new PatchError(`test failed at "${op.path}"`);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new PatchError(`"${op.op}" needs "from"`);
        const value = clone(get(doc, op.from));
        if (op.op === 'move') doc = remove(doc, op.from);
        doc = put(doc, op.path, value, true);
        break;
      }
      default:
        throw new PatchError(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}

/** Applies a patch of the request's content type. */
export function applyPatch(target: Json, contentType: string, patch: Json): Json {
  if (contentType.startsWith('application/json-patch+json')) return jsonPatch(target, patch);
  if (contentType.startsWith('application/merge-patch+json')) return mergePatch(target, patch);
  if (contentType.startsWith('application/strategic-merge-patch+json'))
    return strategicMergePatch(target, patch);
  throw new PatchError(`unsupported patch type "${contentType}"`);
}
