import type { WorkloadRow } from '../database/workloads.repository';
import { hpaTargets, readHpaManifest, toHpaObject } from './kube-autoscaling';
import { KubeError } from './kube-status';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };

function causes(version: 'v1' | 'v2', spec: Record<string, unknown>): string[] {
  try {
    readHpaManifest(version, 'default', { metadata: { name: 'web' }, spec });
  } catch (err) {
    if (err instanceof KubeError)
      return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    throw err;
  }
  return [];
}

const row = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): WorkloadRow => ({
  id: 1,
  namespace: 'default',
  name: 'web',
  uid: 'u',
  generation: '1',
  resource_version: '1',
  labels: {},
  annotations: {},
  owner_references: [],
  finalizers: [],
  spec,
  status,
  created_at: new Date(0),
  updated_at: new Date(0),
  deletion_timestamp: null,
});

describe('HorizontalPodAutoscaler manifests', () => {
  it('stores a v1 manifest as v2: targetCPUUtilizationPercentage becomes a cpu metric', () => {
    const { spec } = readHpaManifest('v1', 'default', {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    });
    expect(spec).toEqual({
      scaleTargetRef: ref,
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
    });
  });

  it('a v2 manifest without metrics targets 80% CPU, as Kubernetes defaults it', () => {
    const { spec } = readHpaManifest('v2', 'default', {
      metadata: { name: 'web' },
      spec: { scaleTargetRef: ref, maxReplicas: 3 },
    });
    expect((spec.metrics as any)[0].resource.target.averageUtilization).toBe(80);
  });

  it.each([
    [
      'v2',
      { scaleTargetRef: { kind: 'StatefulSet', name: 'db' }, maxReplicas: 2, minReplicas: 3 },
      [
        'spec.scaleTargetRef.kind: Unsupported value: "StatefulSet": kubesim scales Deployments',
        'spec.maxReplicas: must be greater than or equal to `minReplicas`',
      ],
    ],
    ['v2', { scaleTargetRef: ref }, ['spec.maxReplicas: must be greater than or equal to 1']],
    [
      'v2',
      { scaleTargetRef: ref, maxReplicas: 2, metrics: [{ type: 'Pods' }] },
      [expect.stringMatching(/^spec\.metrics: Unsupported value/)],
    ],
    [
      'v1',
      { scaleTargetRef: ref, maxReplicas: 2, targetCPUUtilizationPercentage: 0 },
      ['spec.targetCPUUtilizationPercentage: must be greater than or equal to 1'],
    ],
  ] as const)('%s %j is refused', (version, spec, expected) => {
    expect(causes(version, spec)).toEqual(expected);
  });

  it('serves v1 from the stored v2, current utilisation included', () => {
    const stored = readHpaManifest('v1', 'default', {
      metadata: { name: 'web' },
      spec: { scaleTargetRef: ref, maxReplicas: 5, targetCPUUtilizationPercentage: 50 },
    }).spec;
    const status = {
      currentReplicas: 5,
      desiredReplicas: 5,
      currentMetrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } },
        },
      ],
    };
    const v1 = toHpaObject('v1', row(stored, status));
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(50);
    expect(v1.status).toEqual({
      currentReplicas: 5,
      desiredReplicas: 5,
      currentCPUUtilizationPercentage: 90,
    });
    expect(hpaTargets(v1)).toBe('90%/50%');
    expect(hpaTargets(toHpaObject('v2', row(stored, status)))).toBe('90%/50%');
    expect(hpaTargets(toHpaObject('v2', row(stored)))).toBe('<unknown>/50%');
  });
});
