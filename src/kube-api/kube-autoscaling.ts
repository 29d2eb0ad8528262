import { DNS_LABEL } from '../common/validation';
import type { WorkloadRow } from '../database/workloads.repository';
import { targetUtilizationOf } from '../workloads/core/hpa-decision';
import { humanDuration, TableOf } from './kube-table';
import { KubeError } from './kube-status';
import { workloadMetadata } from './kube-objects';
import type { Cause } from './pod-manifest';

/**
 * HorizontalPodAutoscalers over the Kubernetes API: stored as autoscaling/v2 (the spec as
 * given, defaults filled), served as v2 or as v1 (`kubectl autoscale` of kubectl ≤ 1.32 sends
 * v1). kubesim scales Deployments on their pods' CPU utilisation.
 */
export type HpaVersion = 'v1' | 'v2';
export const HPA_VERSIONS: readonly HpaVersion[] = ['v2', 'v1'];

export const AUTOSCALING_API_GROUP = {
  name: 'autoscaling',
  versions: HPA_VERSIONS.map((v) => ({ groupVersion: `autoscaling/${v}`, version: v })),
  preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
};

export const HPA_RESOURCES = [
  {
    name: 'horizontalpodautoscalers',
    singularName: 'horizontalpodautoscaler',
    namespaced: true,
    kind: 'HorizontalPodAutoscaler',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['hpa'],
    categories: ['all'],
  },
  {
    name: 'horizontalpodautoscalers/status',
    singularName: '',
    namespaced: true,
    kind: 'HorizontalPodAutoscaler',
    verbs: ['get'],
  },
];

export interface HpaObject {
  apiVersion: string;
  kind: 'HorizontalPodAutoscaler';
  metadata: Record<string, any>;
  spec: Record<string, any>;
  status: Record<string, any>;
}

/** The v2 status the controller stores. */
export interface HpaStatus {
  observedGeneration?: number;
  lastScaleTime?: string;
  currentReplicas: number;
  desiredReplicas: number;
  currentMetrics?: Array<{
    type: 'Resource';
    resource: { name: 'cpu'; current: { averageUtilization: number; averageValue: string } };
  }>;
  conditions?: Array<Record<string, string>>;
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** v2's default when no metric is given: 80% CPU, as Kubernetes defaults it */
const DEFAULT_UTILIZATION = 80;

const cpuMetric = (averageUtilization: number) => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization } },
});

/** A v1 or v2 manifest as the v2 spec stored, or a 4xx naming every problem. */
export function readHpaManifest(
  version: HpaVersion,
  namespace: string,
  body: unknown,
): {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
} {
  const groupVersion = `autoscaling/${version}`;
  if (!isObject(body))
    throw new KubeError(400, `the request body must be a ${groupVersion} HorizontalPodAutoscaler`);
  if (
    (body.apiVersion !== undefined && body.apiVersion !== groupVersion) ||
    (body.kind !== undefined && body.kind !== 'HorizontalPodAutoscaler')
  )
    throw new KubeError(
      400,
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${groupVersion}) for kind ${body.kind ?? 'HorizontalPodAutoscaler'}`,
    );
  const meta = isObject(body.metadata) ? body.metadata : {};
  if (meta.namespace && meta.namespace !== namespace)
    throw new KubeError(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const name = typeof meta.name === 'string' ? meta.name : '';
  const causes: Cause[] = [];
  if (!name) causes.push({ field: 'metadata.name', message: 'Required value' });
  else if (!DNS_LABEL.test(name) || name.length > 63)
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 label of at most 63 characters`,
    });
  const strings = (v: unknown, field: string): Record<string, string> => {
    if (v === undefined || v === null) return {};
    if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      causes.push({ field, message: 'must be a map of strings' });
      return {};
    }
    return v as Record<string, string>;
  };
  const labels = strings(meta.labels, 'metadata.labels');
  const annotations = strings(meta.annotations, 'metadata.annotations');
  const given = isObject(body.spec) ? body.spec : {};

  const ref = isObject(given.scaleTargetRef) ? given.scaleTargetRef : {};
  if (!ref.name) causes.push({ field: 'spec.scaleTargetRef.name', message: 'Required value' });
  if (ref.kind !== 'Deployment')
    causes.push({
      field: 'spec.scaleTargetRef.kind',
      message: `Unsupported value: "${ref.kind ?? ''}": kubesim scales Deployments`,
    });
  const minReplicas = given.minReplicas ?? 1;
  const maxReplicas = given.maxReplicas;
  if (!isCount(minReplicas) || minReplicas < 1)
    causes.push({ field: 'spec.minReplicas', message: 'must be greater than or equal to 1' });
  if (!isCount(maxReplicas) || maxReplicas < 1)
    causes.push({ field: 'spec.maxReplicas', message: 'must be greater than or equal to 1' });
  else if (isCount(minReplicas) && maxReplicas < minReplicas)
    causes.push({
      field: 'spec.maxReplicas',
      message: 'must be greater than or equal to `minReplicas`',
    });
  if (isCount(maxReplicas) && maxReplicas > 10000)
    causes.push({ field: 'spec.maxReplicas', message: 'must be at most 10000 in kubesim' });

  let utilization = DEFAULT_UTILIZATION;
  if (version === 'v1') {
    const u = given.targetCPUUtilizationPercentage;
    if (u !== undefined) {
      if (!Number.isInteger(u) || u < 1)
        causes.push({
          field: 'spec.targetCPUUtilizationPercentage',
          message: 'must be greater than or equal to 1',
        });
      else utilization = u;
    }
  } else if (given.metrics !== undefined) {
    const metrics = Array.isArray(given.metrics) ? given.metrics : [];
    const m = metrics[0];
    const ok =
      metrics.length === 1 &&
      m?.type === 'Resource' &&
      m.resource?.name === 'cpu' &&
      m.resource?.target?.type === 'Utilization';
    if (!ok)
      causes.push({
        field: 'spec.metrics',
        message:
          'Unsupported value: kubesim scales on one metric, a Resource cpu target of type Utilization',
      });
    else if (
      !Number.isInteger(m.resource.target.averageUtilization) ||
      m.resource.target.averageUtilization < 1
    )
      causes.push({
        field: 'spec.metrics[0].resource.target.averageUtilization',
        message: 'must be greater than 0',
      });
    else utilization = m.resource.target.averageUtilization;
  }
  const behavior = version === 'v2' && isObject(given.behavior) ? given.behavior : undefined;
  for (const side of ['scaleUp', 'scaleDown'] as const) {
    const w = behavior?.[side]?.stabilizationWindowSeconds;
    if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > 3600))
      causes.push({
        field: `spec.behavior.${side}.stabilizationWindowSeconds`,
        message: 'must be between 0 and 3600',
      });
  }
  if (causes.length) throw KubeError.invalid('HorizontalPodAutoscaler', name, causes);
  const spec: Record<string, unknown> = {
    scaleTargetRef: {
      apiVersion: ref.apiVersion ?? 'apps/v1',
      kind: ref.kind,
      name: ref.name,
    },
    minReplicas,
    maxReplicas,
    metrics: [cpuMetric(utilization)],
  };
  if (behavior) spec.behavior = behavior;
  return { name, labels, annotations, spec };
}

/** A stored row as the object of the version asked for. */
export function toHpaObject(version: HpaVersion, row: WorkloadRow): HpaObject {
  const metadata = workloadMetadata(row);
  const status = (row.status ?? {}) as Partial<HpaStatus>;
  if (version === 'v2')
    return {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata,
      spec: row.spec,
      status: { currentReplicas: 0, desiredReplicas: 0, ...status },
    };
  const current = status.currentMetrics?.[0]?.resource.current.averageUtilization;
  return {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata,
    spec: {
      scaleTargetRef: row.spec.scaleTargetRef,
      minReplicas: row.spec.minReplicas,
      maxReplicas: row.spec.maxReplicas,
      targetCPUUtilizationPercentage: targetUtilizationOf(row.spec),
    },
    status: {
      ...(status.observedGeneration !== undefined
        ? { observedGeneration: status.observedGeneration }
        : {}),
      ...(status.lastScaleTime ? { lastScaleTime: status.lastScaleTime } : {}),
      currentReplicas: status.currentReplicas ?? 0,
      desiredReplicas: status.desiredReplicas ?? 0,
      ...(current !== undefined ? { currentCPUUtilizationPercentage: current } : {}),
    },
  };
}

/** `90%/50%`, or `<unknown>/50%` before the first measurement. */
export function hpaTargets(o: HpaObject): string {
  const target =
    o.spec.targetCPUUtilizationPercentage ??
    o.spec.metrics?.[0]?.resource?.target?.averageUtilization;
  const current =
    o.status.currentCPUUtilizationPercentage ??
    o.status.currentMetrics?.[0]?.resource?.current?.averageUtilization;
  return `${current === undefined ? '<unknown>' : `${current}%`}/${target}%`;
}

/** The columns kubectl shows for HorizontalPodAutoscalers. */
export const HPA_TABLE: TableOf<HpaObject> = {
  columns: [
    {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: 'Name must be unique within a namespace.',
    },
    { name: 'Reference', type: 'string', description: 'The target of the autoscaler.' },
    { name: 'Targets', type: 'string', description: 'The current and target utilisation.' },
    { name: 'MinPods', type: 'string', description: 'The lower limit of replicas.' },
    { name: 'MaxPods', type: 'integer', description: 'The upper limit of replicas.' },
    { name: 'Replicas', type: 'integer', description: 'The current number of replicas.' },
    {
      name: 'Age',
      type: 'string',
      description:
        'CreationTimestamp is a timestamp representing the server time when this object was created.',
    },
  ],
  cells: (o, now) => [
    o.metadata.name,
    `${o.spec.scaleTargetRef.kind}/${o.spec.scaleTargetRef.name}`,
    hpaTargets(o),
    String(o.spec.minReplicas ?? 1),
    o.spec.maxReplicas,
    o.status.currentReplicas ?? 0,
    humanDuration((now - new Date(o.metadata.creationTimestamp).getTime()) / 1000),
  ],
};
