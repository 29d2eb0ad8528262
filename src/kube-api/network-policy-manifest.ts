import type { V1LabelSelector } from '@kubernetes/client-node';
import { cidrContains, parseCidr } from '../network/policy-evaluation';
import { KubeError } from './kube-status';
import {
  checkNumberOrName,
  checkProtocol,
  isObject,
  manifestMetadata,
  ObjectManifest,
} from './network-manifest-checks';
import { Cause, checkMetadataMaps } from './pod-manifest';

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
  const meta = manifestMetadata(body, 'NetworkPolicy', 'networking.k8s.io/v1', namespace, causes);
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
