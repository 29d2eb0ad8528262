import { AGENT_ANNOTATIONS } from '../../node-simulator/src/lifecycle';
import { usageAnnotationProblems } from '../../node-simulator/src/usage-profile';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { DNS_LABEL } from '../common/validation';
import { CreatePodDto } from '../pods/dto/create-pod.dto';
import { constraintsToManifest, parseConstraints } from '../scheduler/strategies/pod-constraints';
import { PodConstraints } from '../scheduler/strategies/types';
import { KubeError } from './kube-status';
import { cpuMillis, memoryMi, QuantityError } from './quantity';

export interface Cause {
  field: string;
  message: string;
}

/** kubesim reserves at least this much CPU for a pod: its scheduler needs a request > 0. */
export const MIN_POD_CPU_M = 1;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(value: unknown, field: string, causes: Cause[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string')) {
    causes.push({ field, message: 'must be an array of strings' });
    return undefined;
  }
  return value as string[];
}

/** A pod's name: given, or made from generateName as kube-apiserver does. */
function podName(pod: V1Pod, causes: Cause[]): string {
  const meta = pod.metadata ?? {};
  const name =
    meta.name ??
    (meta.generateName
      ? `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`
      : undefined);
  if (!name) {
    causes.push({
      field: 'metadata.name',
      message: 'Required value: name or generateName is required',
    });
    return '';
  }
  if (!DNS_LABEL.test(name) || name.length > 63) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": kubesim pod names are DNS-1123 labels (lower case alphanumerics and '-', at most 63 characters)`,
    });
  }
  return name;
}

/** Constraints under the REST DTO's names, as `parseConstraints` takes them back. */
function constraintsToRest(c: PodConstraints | null) {
  const m = constraintsToManifest(c);
  return {
    ...(m.nodeSelector ? { node_selector: m.nodeSelector } : {}),
    ...(m.tolerations
      ? { tolerations: m.tolerations as unknown as Array<Record<string, unknown>> }
      : {}),
    ...(m.affinity ? { affinity: m.affinity as unknown as Record<string, unknown> } : {}),
  };
}

/** What kubesim cannot honour yet is refused, never silently dropped. */
function refuseUnsupported(spec: Record<string, unknown>, causes: Cause[]): void {
  const scheduling = ['nodeName', 'initContainers'];
  for (const key of scheduling) {
    const v = spec[key];
    if (
      v !== undefined &&
      v !== null &&
      !(isObject(v) && !Object.keys(v).length) &&
      !(Array.isArray(v) && !v.length)
    )
      causes.push({
        field: `spec.${key}`,
        message: 'Unsupported value: kubesim does not support this field yet',
      });
  }
  if (
    spec.restartPolicy !== undefined &&
    spec.restartPolicy !== null &&
    !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy as string)
  )
    causes.push({
      field: 'spec.restartPolicy',
      message: `Unsupported value: "${String(spec.restartPolicy)}": supported values: "Always", "OnFailure", "Never"`,
    });
}

function containerOf(c: V1Container, i: number, causes: Cause[]) {
  const at = `spec.containers[${i}]`;
  if (!c.name || !DNS_LABEL.test(c.name) || c.name.length > 63)
    causes.push({
      field: `${at}.name`,
      message: `Invalid value: "${c.name ?? ''}": must be a DNS-1123 label`,
    });
  if (!c.image || typeof c.image !== 'string')
    causes.push({ field: `${at}.image`, message: 'Required value' });
  const requests = c.resources?.requests as Record<string, unknown> | undefined;
  const limits = c.resources?.limits as Record<string, unknown> | undefined;
  const read = (kind: 'cpu' | 'memory', value: unknown, where: string): number | null => {
    if (value === undefined || value === null) return null;
    try {
      return kind === 'cpu' ? cpuMillis(value, where) : memoryMi(value, where);
    } catch (err) {
      if (err instanceof QuantityError) {
        causes.push({
          field: where,
          message: `Invalid value: "${String(value)}": ${err.message.replace(`${where}: `, '')}`,
        });
        return null;
      }
      throw err;
    }
  };
  const resource = (kind: 'cpu' | 'memory') => {
    const limit = read(kind, limits?.[kind], `${at}.resources.limits[${kind}]`);
    const given = read(kind, requests?.[kind], `${at}.resources.requests[${kind}]`);
    // as in Kubernetes, a limit without a request is the request
    const request = given ?? limit ?? 0;
    if (limit !== null && request > limit)
      causes.push({
        field: `${at}.resources.requests`,
        message: `Invalid value: "${String(requests?.[kind])}": must be less than or equal to ${kind} limit of ${String(limits?.[kind])}`,
      });
    return { request, limit };
  };
  const cpu = resource('cpu');
  const mem = resource('memory');
  const cpuM = cpu.request;
  const memory = mem.request;
  const env: Array<{ key: string; value: string }> = [];
  (c.env ?? []).forEach((e, j) => {
    if (e.valueFrom)
      causes.push({
        field: `${at}.env[${j}].valueFrom`,
        message: 'Unsupported value: kubesim takes only env values',
      });
    else env.push({ key: e.name, value: e.value ?? '' });
  });
  return {
    dto: {
      name: c.name,
      image: c.image ?? '',
      cpu_req: cpuM / 1000,
      memory_req: memory,
      ...(cpu.limit !== null ? { cpu_limit: cpu.limit / 1000 } : {}),
      ...(mem.limit !== null ? { memory_limit: mem.limit } : {}),
      command: strings(c.command, `${at}.command`, causes),
      args: strings(c.args, `${at}.args`, causes),
    },
    cpuM,
    env,
    mounts: c.volumeMounts ?? [],
  };
}

function volumeOf(v: V1Volume, i: number, mountPath: string | undefined, causes: Cause[]) {
  const at = `spec.volumes[${i}]`;
  const type = v.emptyDir
    ? 'emptyDir'
    : v.hostPath
      ? 'hostPath'
      : v.configMap
        ? 'configMap'
        : v.secret
          ? 'secret'
          : null;
  if (!type) {
    causes.push({
      field: at,
      message: 'Unsupported value: kubesim takes emptyDir, hostPath, configMap and secret volumes',
    });
    return null;
  }
  let sizeGb = 0;
  if (v.emptyDir?.sizeLimit !== undefined) {
    try {
      sizeGb =
        Math.ceil((memoryMi(v.emptyDir.sizeLimit, `${at}.emptyDir.sizeLimit`) / 1024) * 1000) /
        1000;
    } catch (err) {
      causes.push({
        field: `${at}.emptyDir.sizeLimit`,
        message: `Invalid value: ${(err as Error).message}`,
      });
    }
  }
  return {
    name: v.name,
    type,
    size: sizeGb,
    path: mountPath ?? v.hostPath?.path ?? `/volumes/${v.name}`,
  };
}

const LABEL_KEY =
  /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Labels and annotations checked as kube-apiserver checks them (keys, lengths, strings). */
export function checkMetadataMaps(
  labels: unknown,
  annotations: unknown,
  causes: Cause[],
): { labels: Record<string, string>; annotations: Record<string, string> } {
  const out = { labels: {} as Record<string, string>, annotations: {} as Record<string, string> };
  for (const [field, value] of [
    ['labels', labels],
    ['annotations', annotations],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (!isObject(value)) {
      causes.push({ field: `metadata.${field}`, message: 'must be a map of strings' });
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      const at = `metadata.${field}`;
      const name = k.split('/').pop() ?? '';
      if (!LABEL_KEY.test(k) || name.length > 63 || k.length > 317)
        causes.push({
          field: at,
          message: `Invalid value: "${k}": a qualified name must consist of alphanumeric characters, '-', '_' or '.'`,
        });
      else if (typeof v !== 'string')
        causes.push({ field: `${at}.${k}`, message: 'must be a string' });
      else if (field === 'labels' && (v.length > 63 || !LABEL_VALUE.test(v)))
        causes.push({
          field: `${at}.${k}`,
          message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', at most 63`,
        });
      // kubesim's own annotations are made, not taken, but for those that tell a node how
      // a simulated container behaves
      else if (!k.startsWith('kubesim.io/') || (AGENT_ANNOTATIONS as readonly string[]).includes(k))
        out[field][k] = v;
    }
  }
  // a usage the agent could not act on is refused now rather than ignored on its node
  for (const problem of usageAnnotationProblems(out.annotations))
    causes.push({ field: 'metadata.annotations', message: `Invalid value: ${problem}` });
  const size = JSON.stringify(out.annotations).length;
  if (size > 256 * 1024)
    causes.push({
      field: 'metadata.annotations',
      message: 'Too long: must have at most 262144 bytes',
    });
  return out;
}

/**
 * A v1.Pod manifest as kubesim's pod creation: requests in quantities become cores and
 * MiB, env values config items, volumes with their mount paths. Every problem is listed.
 */
export function podManifestToCreate(
  body: unknown,
  namespace: string,
): { dto: CreatePodDto; labels: Record<string, string>; annotations: Record<string, string> } {
  if (!isObject(body)) throw new KubeError(400, 'the request body must be a v1 Pod object');
  const pod = body as V1Pod;
  if (pod.kind !== undefined && pod.kind !== 'Pod')
    throw new KubeError(
      400,
      `the API version in the data (${pod.apiVersion}) does not match the expected API version (v1) for kind ${pod.kind}`,
    );
  if (pod.metadata?.namespace && pod.metadata.namespace !== namespace)
    throw new KubeError(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const causes: Cause[] = [];
  const name = podName(pod, causes);
  const meta = checkMetadataMaps(pod.metadata?.labels, pod.metadata?.annotations, causes);
  const spec = (isObject(pod.spec) ? pod.spec : {}) as Record<string, unknown>;
  refuseUnsupported(spec, causes);
  // checked here for the fields' paths; the pod's creation reads them again
  const constraints = parseConstraints(spec, 'spec.', causes);
  const containersIn = Array.isArray(spec.containers) ? (spec.containers as V1Container[]) : [];
  if (!containersIn.length) causes.push({ field: 'spec.containers', message: 'Required value' });
  if (containersIn.length > 32)
    causes.push({ field: 'spec.containers', message: 'Too many: at most 32' });
  const containers = containersIn.map((c, i) =>
    isObject(c)
      ? containerOf(c, i, causes)
      : (causes.push({ field: `spec.containers[${i}]`, message: 'must be an object' }), null),
  );
  const mountPaths = new Map<string, string>();
  for (const c of containers)
    for (const m of c?.mounts ?? [])
      if (!mountPaths.has(m.name)) mountPaths.set(m.name, m.mountPath);
  const volumesIn = Array.isArray(spec.volumes) ? (spec.volumes as V1Volume[]) : [];
  const volumes = volumesIn.map((v, i) => volumeOf(v, i, mountPaths.get(v.name), causes));
  if (causes.length) throw KubeError.invalid('Pod', name, causes);
  const ok = containers.filter((c): c is NonNullable<typeof c> => c !== null);
  const cpuM = Math.max(
    MIN_POD_CPU_M,
    ok.reduce((sum, c) => sum + c.cpuM, 0),
  );
  const dto = {
    name,
    cpu_cores_req: cpuM / 1000,
    ...(typeof spec.restartPolicy === 'string' ? { restart_policy: spec.restartPolicy } : {}),
    containers: ok.map((c) => c.dto),
    volumes: volumes.filter((v): v is NonNullable<typeof v> => v !== null),
    ...constraintsToRest(constraints),
    config: ok.flatMap((c) =>
      c.env.map((e) => ({ name: `${c.dto.name}-env`, type: 'env', key: e.key, value: e.value })),
    ),
  } as CreatePodDto;
  return { dto, ...meta };
}
