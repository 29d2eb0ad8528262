import type { V1Namespace } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { DNS_LABEL } from '../common/validation';
import { KubeError } from './kube-status';
import { Cause, checkMetadataMaps } from './pod-manifest';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The top-level fields of a v1.Namespace; Strict field validation refuses any other. */
const NAMESPACE_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];

/**
 * A v1.Namespace manifest as kubesim stores it: its name (DNS-1123 label, or made from
 * generateName), labels and annotations. `kubernetes.io/metadata.name` is the server's own
 * label, set on every namespace. Unknown top-level fields are returned for Warn/Strict.
 */
export function namespaceManifest(body: unknown): {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  unknown: string[];
} {
  if (!isObject(body)) throw new KubeError(400, 'the request body must be a v1 Namespace object');
  const ns = body as V1Namespace;
  if (ns.kind !== undefined && ns.kind !== 'Namespace')
    throw new KubeError(
      400,
      `the API version in the data (${ns.apiVersion}) does not match the expected API version (v1) for kind ${ns.kind}`,
    );
  const causes: Cause[] = [];
  const meta: NonNullable<V1Namespace['metadata']> = isObject(ns.metadata) ? ns.metadata : {};
  const name: string =
    meta.name ??
    (meta.generateName ? `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}` : '');
  if (!name)
    causes.push({
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
  else if (typeof name !== 'string' || !DNS_LABEL.test(name) || name.length > 63)
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${String(name)}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character`,
    });
  const maps = checkMetadataMaps(meta.labels, meta.annotations, causes);
  if (causes.length) throw KubeError.invalid('Namespace', String(name), causes);
  return {
    name,
    labels: { ...maps.labels, 'kubernetes.io/metadata.name': name },
    annotations: maps.annotations,
    unknown: Object.keys(body).filter((k) => !NAMESPACE_FIELDS.includes(k)),
  };
}
