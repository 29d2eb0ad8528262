import { fieldValidation } from './field-validation';
import { KubeError } from './kube-status';
import { Cause, checkMetadataMaps } from './pod-manifest';

/** The checks Service and NetworkPolicy manifests share: metadata, ports, protocols, unknown fields. */

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

export interface ObjectManifest {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
}

const SERVICE_SPEC_FIELDS = [
  'type',
  'selector',
  'ports',
  'clusterIP',
  'clusterIPs',
  'ipFamilies',
  'ipFamilyPolicy',
  'sessionAffinity',
  'internalTrafficPolicy',
  'externalTrafficPolicy',
  'publishNotReadyAddresses',
];
const SERVICE_PORT_FIELDS = ['name', 'protocol', 'port', 'targetPort', 'nodePort', 'appProtocol'];
const POLICY_SPEC_FIELDS = ['podSelector', 'policyTypes', 'ingress', 'egress'];

/** Fields of a manifest kubesim does not know; Strict refuses them, Warn returns them. */
export function unknownNetworkFields(kind: 'Service' | 'NetworkPolicy', body: unknown): string[] {
  if (!isObject(body)) return [];
  const out = Object.keys(body)
    .filter((k) => !['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(k))
    .map((k) => k);
  const spec = isObject(body.spec) ? body.spec : {};
  const known = kind === 'Service' ? SERVICE_SPEC_FIELDS : POLICY_SPEC_FIELDS;
  out.push(
    ...Object.keys(spec)
      .filter((k) => !known.includes(k))
      .map((k) => `spec.${k}`),
  );
  if (kind === 'Service' && Array.isArray(spec.ports))
    spec.ports.forEach((p, i) => {
      if (isObject(p))
        out.push(
          ...Object.keys(p)
            .filter((k) => !SERVICE_PORT_FIELDS.includes(k))
            .map((k) => `spec.ports[${i}].${k}`),
        );
    });
  return out;
}

export function manifestMetadata(
  body: unknown,
  kind: string,
  apiVersion: string,
  namespace: string,
  causes: Cause[],
) {
  if (!isObject(body))
    throw new KubeError(400, `the request body must be a ${apiVersion} ${kind} object`);
  if (body.kind !== undefined && body.kind !== kind)
    throw new KubeError(
      400,
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion}) for kind ${String(body.kind)}`,
    );
  const meta = isObject(body.metadata) ? body.metadata : {};
  if (meta.namespace !== undefined && meta.namespace !== namespace)
    throw new KubeError(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const name = typeof meta.name === 'string' ? meta.name : '';
  const pattern = kind === 'Service' ? DNS_1035 : DNS_1123;
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value: name is required' });
  else if (!pattern.test(name) || name.length > 63)
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a ${kind === 'Service' ? 'DNS-1035' : 'DNS-1123'} label must consist of lower case alphanumeric characters or '-'${kind === 'Service' ? ', start with an alphabetic character' : ''}, and end with an alphanumeric character, at most 63`,
    });
  const maps = checkMetadataMaps(meta.labels, meta.annotations, causes);
  return { name, ...maps, spec: isObject(body.spec) ? body.spec : {} };
}

export function checkPort(
  value: unknown,
  field: string,
  causes: Cause[],
  optional = false,
): number | undefined {
  if (value === undefined && optional) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    causes.push({
      field,
      message:
        value === undefined
          ? 'Required value'
          : `Invalid value: ${JSON.stringify(value)}: must be between 1 and 65535, inclusive`,
    });
    return undefined;
  }
  return value as number;
}

export function checkProtocol(value: unknown, field: string, causes: Cause[]): string {
  const protocol = value === undefined ? 'TCP' : value;
  if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol)) {
    causes.push({
      field,
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: "SCTP", "TCP", "UDP"`,
    });
    return 'TCP';
  }
  return protocol;
}

/** A port that is a number or an IANA service name (a Service's targetPort, a policy's port). */
export function checkNumberOrName(
  value: unknown,
  field: string,
  causes: Cause[],
): number | string | undefined {
  if (typeof value === 'string' && !/^\d+$/.test(value)) {
    if (!PORT_NAME.test(value) || value.length > 15)
      causes.push({
        field,
        message: `Invalid value: "${value}": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), at most 15, with at least one letter`,
      });
    return value;
  }
  return checkPort(typeof value === 'string' ? Number(value) : value, field, causes);
}

/** The unknown fields of a Service or NetworkPolicy as `fieldValidation` wants them: refused (Strict), warned of, or ignored. */
export function checkNetworkFields(
  kind: 'Service' | 'NetworkPolicy',
  body: unknown,
  query: { dryRun?: string; fieldValidation?: string },
): string[] {
  if (query.dryRun !== undefined)
    throw new KubeError(400, 'dryRun is not supported by kubesim yet');
  const mode = fieldValidation(query.fieldValidation);
  if (mode === 'Ignore') return [];
  const unknown = unknownNetworkFields(kind, body);
  const version = kind === 'Service' ? 'v1' : 'networking.k8s.io/v1';
  if (unknown.length && mode === 'Strict')
    throw new KubeError(
      400,
      `${kind} in version "${version.split('/').pop()}" cannot be handled as a ${kind}: strict decoding error: ${unknown
        .map((f) => `unknown field "${f}"`)
        .join(', ')}`,
    );
  return unknown.map((f) => `unknown field "${f}"`);
}
