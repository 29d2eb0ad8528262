import { inServiceRange, NODE_PORT_RANGE, ServicePort } from '../network/service-addresses';
import { KubeError } from './kube-status';
import {
  checkNumberOrName,
  checkPort,
  checkProtocol,
  DNS_1123,
  isObject,
  manifestMetadata,
  ObjectManifest,
} from './network-manifest-checks';
import { Cause, checkMetadataMaps } from './pod-manifest';

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
  const meta = manifestMetadata(body, 'Service', 'v1', namespace, causes);
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
