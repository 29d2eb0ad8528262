import YAML from 'yaml';
import type { Fail } from './scenario';

/**
 * What an `apply` holds: one document, a list, or YAML text of several; each either a
 * Kubernetes manifest (apiVersion and kind: any kind the server serves) or a kubesim pod
 * document, as `kubesim launch-pod -f` takes it.
 */
export function readDocuments(value: unknown, path: Array<string | number>, fail: Fail) {
  let docs: unknown[];
  if (typeof value === 'string') {
    const parsed = YAML.parseAllDocuments(value);
    if (!Array.isArray(parsed)) fail(path, 'not valid YAML');
    const list = parsed as YAML.Document[];
    const bad = list.find((d) => d.errors.length);
    if (bad) fail(path, `not valid YAML: ${bad.errors[0].message.split('\n')[0]}`);
    docs = list.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
  } else docs = Array.isArray(value) ? value : [value];
  if (docs.length === 0) fail(path, 'expected at least one document');
  const pods: Array<Record<string, unknown>> = [];
  const manifests: Array<Record<string, unknown>> = [];
  docs.forEach((doc, i) => {
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      fail(path, `document ${i + 1}: expected a manifest (apiVersion, kind, metadata) or a pod`);
    const d = doc as Record<string, unknown>;
    if ('apiVersion' in d || 'kind' in d) {
      if (typeof d.apiVersion !== 'string' || d.apiVersion === '')
        fail(path, `document ${i + 1}: a manifest needs an apiVersion`);
      if (typeof d.kind !== 'string' || d.kind === '')
        fail(path, `document ${i + 1}: a manifest needs a kind`);
      const meta = d.metadata as { name?: unknown } | undefined;
      if (typeof meta?.name !== 'string' || meta.name === '')
        fail(path, `document ${i + 1}: a ${String(d.kind)} needs metadata.name`);
      manifests.push(d);
      return;
    }
    if (typeof d.name !== 'string' || d.name === '')
      fail(path, `document ${i + 1}: a pod needs a name (expectations find pods by name)`);
    pods.push(d);
  });
  return { pods, manifests };
}
