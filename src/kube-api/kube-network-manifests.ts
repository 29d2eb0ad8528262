import type { V1LabelSelector } from '@kubernetes/client-node';
import { cidrContains, parseCidr } from '../network/policy-evaluation';
import { inServiceRange, NODE_PORT_RANGE, ServicePort } from '../network/service-addresses';
import { KubeError } from './kube-status';
import { Cause, checkMetadataMaps } from './pod-manifest';

/** Service and NetworkPolicy manifests checked and defaulted as kube-apiserver does. */

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
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

function metadataOf(
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

function checkPort(
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

function checkProtocol(value: unknown, field: string, causes: Cause[]): string {
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
function checkNumberOrName(
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

export interface ServiceManifest extends ObjectManifest {
  /** '' to allocate, 'None' for headless, or the address asked for */
  clusterIP: string;
  ports: ServicePort[];
}

/** A v1.Service manifest, defaulted; `previous` is the stored spec an update starts from. */
export function serviceManifest(
  body: unknown,
  namespace: string,
  previous?: Record<string, unknown>,
): ServiceManifest {
  const causes: Cause[] = [];
  const meta = metadataOf(body, 'Service', 'v1', namespace, causes);
  const spec = meta.spec;
  const type = spec.type ?? 'ClusterIP';
  if (type !== 'ClusterIP' && type !== 'NodePort')
    causes.push({
      field: 'spec.type',
      message: `Unsupported value: ${JSON.stringify(type)}: kubesim serves "ClusterIP" and "NodePort" services`,
    });
  const clusterIP = spec.clusterIP === undefined || spec.clusterIP === null ? '' : spec.clusterIP;
  if (
    typeof clusterIP !== 'string' ||
    (clusterIP !== '' && clusterIP !== 'None' && !inServiceRange(clusterIP))
  )
    causes.push({
      field: 'spec.clusterIP',
      message: `Invalid value: ${JSON.stringify(clusterIP)}: must be "None" or an address of the service range 10.96.0.0/12`,
    });
  if (clusterIP === 'None' && type === 'NodePort')
    causes.push({
      field: 'spec.clusterIP',
      message: 'Invalid value: "None": may not be set to "None" for NodePort services',
    });
  const previousIp = previous?.clusterIP as string | undefined;
  if (previous && clusterIP !== '' && clusterIP !== previousIp)
    causes.push({
      field: 'spec.clusterIP',
      message: `Invalid value: "${String(clusterIP)}": field is immutable`,
    });
  const selector = spec.selector ?? undefined;
  if (
    selector !== undefined &&
    (!isObject(selector) || Object.values(selector).some((v) => typeof v !== 'string'))
  )
    causes.push({ field: 'spec.selector', message: 'must be a map of strings' });
  else if (selector) checkMetadataMaps(selector, undefined, causes);
  const rawPorts = spec.ports ?? [];
  if (!Array.isArray(rawPorts)) causes.push({ field: 'spec.ports', message: 'must be a list' });
  const portsIn = Array.isArray(rawPorts) ? rawPorts : [];
  if (!portsIn.length && clusterIP !== 'None')
    causes.push({ field: 'spec.ports', message: 'Required value' });
  const previousPorts = (previous?.ports ?? []) as ServicePort[];
  const names = new Set<string>();
  const ports: ServicePort[] = portsIn.map((raw: unknown, i) => {
    const at = `spec.ports[${i}]`;
    const p = isObject(raw) ? raw : {};
    const port = checkPort(p.port, `${at}.port`, causes) ?? 0;
    const protocol = checkProtocol(p.protocol, `${at}.protocol`, causes);
    const name = p.name === undefined || p.name === '' ? undefined : p.name;
    if (
      name !== undefined &&
      (typeof name !== 'string' || !DNS_1123.test(name) || name.length > 63)
    )
      causes.push({
        field: `${at}.name`,
        message: `Invalid value: ${JSON.stringify(name)}: must be a DNS-1123 label`,
      });
    if (name === undefined && portsIn.length > 1)
      causes.push({ field: `${at}.name`, message: 'Required value' });
    if (typeof name === 'string') {
      if (names.has(name))
        causes.push({ field: `${at}.name`, message: `Duplicate value: "${name}"` });
      names.add(name);
    }
    const targetPort =
      p.targetPort === undefined
        ? port
        : (checkNumberOrName(p.targetPort, `${at}.targetPort`, causes) ?? port);
    let nodePort: number | undefined;
    if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
      if (type !== 'NodePort')
        causes.push({
          field: `${at}.nodePort`,
          message: "Forbidden: may not be used when `type` is 'ClusterIP'",
        });
      else if (
        !Number.isInteger(p.nodePort) ||
        (p.nodePort as number) < NODE_PORT_RANGE.min ||
        (p.nodePort as number) > NODE_PORT_RANGE.max
      )
        causes.push({
          field: `${at}.nodePort`,
          message: `Invalid value: ${JSON.stringify(p.nodePort)}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}`,
        });
      else nodePort = p.nodePort as number;
    } else if (type === 'NodePort') {
      nodePort = previousPorts.find((q) => q.port === port && q.protocol === protocol)?.nodePort;
    }
    return {
      ...(typeof name === 'string' ? { name } : {}),
      protocol,
      port,
      targetPort:
        typeof targetPort === 'string' && /^\d+$/.test(targetPort)
          ? Number(targetPort)
          : targetPort,
      ...(nodePort ? { nodePort } : {}),
    };
  });
  const seen = new Set<string>();
  ports.forEach((p, i) => {
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key))
      causes.push({ field: `spec.ports[${i}]`, message: `Duplicate value: ${key}` });
    seen.add(key);
  });
  if (causes.length) throw KubeError.invalid('Service', meta.name, causes);
  return {
    name: meta.name,
    labels: meta.labels,
    annotations: meta.annotations,
    clusterIP: previous ? (previousIp ?? '') : (clusterIP as string),
    ports,
    spec: {
      type,
      ...(selector && Object.keys(selector).length ? { selector } : {}),
      ports,
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ...(type === 'NodePort' ? { externalTrafficPolicy: 'Cluster' } : {}),
      ...(spec.publishNotReadyAddresses === true ? { publishNotReadyAddresses: true } : {}),
    },
  };
}

function checkSelector(
  value: unknown,
  field: string,
  causes: Cause[],
): V1LabelSelector | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) {
    causes.push({ field, message: 'must be a label selector' });
    return undefined;
  }
  if (value.matchLabels !== undefined) checkMetadataMaps(value.matchLabels, undefined, causes);
  const expressions = value.matchExpressions ?? [];
  if (!Array.isArray(expressions))
    causes.push({ field: `${field}.matchExpressions`, message: 'must be a list' });
  else
    expressions.forEach((e: unknown, i) => {
      const at = `${field}.matchExpressions[${i}]`;
      const x = isObject(e) ? e : {};
      if (typeof x.key !== 'string' || !x.key)
        causes.push({ field: `${at}.key`, message: 'Required value' });
      const values = Array.isArray(x.values) ? x.values : [];
      if (x.operator === 'In' || x.operator === 'NotIn') {
        if (!values.length)
          causes.push({
            field: `${at}.values`,
            message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
          });
      } else if (x.operator === 'Exists' || x.operator === 'DoesNotExist') {
        if (values.length)
          causes.push({
            field: `${at}.values`,
            message:
              "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          });
      } else
        causes.push({
          field: `${at}.operator`,
          message: `Invalid value: ${JSON.stringify(x.operator)}: not a valid selector operator`,
        });
    });
  return value as V1LabelSelector;
}

function checkPeers(value: unknown, field: string, causes: Cause[]): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    causes.push({ field, message: 'must be a list' });
    return;
  }
  value.forEach((peer: unknown, i) => {
    const at = `${field}[${i}]`;
    const p = isObject(peer) ? peer : {};
    const selectors = p.podSelector !== undefined || p.namespaceSelector !== undefined;
    if (p.ipBlock !== undefined && selectors)
      causes.push({
        field: at,
        message: 'Forbidden: may not specify both ipBlock and another peer',
      });
    else if (p.ipBlock === undefined && !selectors)
      causes.push({ field: at, message: 'Required value: must specify a peer' });
    checkSelector(p.podSelector, `${at}.podSelector`, causes);
    checkSelector(p.namespaceSelector, `${at}.namespaceSelector`, causes);
    if (p.ipBlock !== undefined) {
      const block = isObject(p.ipBlock) ? p.ipBlock : {};
      const cidr = typeof block.cidr === 'string' ? parseCidr(block.cidr) : null;
      if (!cidr)
        causes.push({
          field: `${at}.ipBlock.cidr`,
          message: `Invalid value: ${JSON.stringify(block.cidr)}: must be a valid IPv4 CIDR`,
        });
      const except = block.except ?? [];
      if (!Array.isArray(except))
        causes.push({ field: `${at}.ipBlock.except`, message: 'must be a list' });
      else
        except.forEach((e: unknown, j) => {
          const inner = typeof e === 'string' ? parseCidr(e) : null;
          if (
            !inner ||
            (cidr !== null &&
              (inner.bits <= cidr.bits ||
                !cidrContains(block.cidr as string, (e as string).split('/')[0])))
          )
            causes.push({
              field: `${at}.ipBlock.except[${j}]`,
              message: `Invalid value: ${JSON.stringify(e)}: must be a strict subset of \`cidr\``,
            });
        });
    }
  });
}

function checkPolicyPorts(value: unknown, field: string, causes: Cause[]): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) {
    causes.push({ field, message: 'must be a list' });
    return;
  }
  value.forEach((raw: unknown, i) => {
    const at = `${field}[${i}]`;
    const p = isObject(raw) ? raw : {};
    checkProtocol(p.protocol, `${at}.protocol`, causes);
    const port = p.port === undefined ? undefined : checkNumberOrName(p.port, `${at}.port`, causes);
    if (p.endPort !== undefined) {
      if (typeof port !== 'number')
        causes.push({
          field: `${at}.endPort`,
          message: 'Forbidden: may not be specified when `port` is not a number',
        });
      else if (
        !Number.isInteger(p.endPort) ||
        (p.endPort as number) < port ||
        (p.endPort as number) > 65535
      )
        causes.push({
          field: `${at}.endPort`,
          message: `Invalid value: ${JSON.stringify(p.endPort)}: must be greater than or equal to \`port\``,
        });
    }
  });
}

/** A networking.k8s.io/v1 NetworkPolicy manifest, with policyTypes defaulted as Kubernetes does. */
export function networkPolicyManifest(body: unknown, namespace: string): ObjectManifest {
  const causes: Cause[] = [];
  const meta = metadataOf(body, 'NetworkPolicy', 'networking.k8s.io/v1', namespace, causes);
  const spec = meta.spec;
  checkSelector(spec.podSelector, 'spec.podSelector', causes);
  const types = spec.policyTypes;
  if (
    types !== undefined &&
    (!Array.isArray(types) || types.some((t) => t !== 'Ingress' && t !== 'Egress'))
  )
    causes.push({
      field: 'spec.policyTypes',
      message: `Unsupported value: ${JSON.stringify(types)}: supported values: "Ingress", "Egress"`,
    });
  for (const [key, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    const rules = spec[key];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) {
      causes.push({ field: `spec.${key}`, message: 'must be a list' });
      continue;
    }
    rules.forEach((rule: unknown, i) => {
      const r = isObject(rule) ? rule : {};
      checkPeers(r[peersKey], `spec.${key}[${i}].${peersKey}`, causes);
      checkPolicyPorts(r.ports, `spec.${key}[${i}].ports`, causes);
    });
  }
  if (causes.length) throw KubeError.invalid('NetworkPolicy', meta.name, causes);
  const egress = Array.isArray(spec.egress) ? spec.egress : undefined;
  const policyTypes =
    Array.isArray(types) && types.length
      ? types
      : egress?.length
        ? ['Ingress', 'Egress']
        : ['Ingress'];
  return {
    name: meta.name,
    labels: meta.labels,
    annotations: meta.annotations,
    spec: {
      podSelector: spec.podSelector ?? {},
      ...(spec.ingress ? { ingress: spec.ingress } : {}),
      ...(spec.egress ? { egress: spec.egress } : {}),
      policyTypes,
    },
  };
}
