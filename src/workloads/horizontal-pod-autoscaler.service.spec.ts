import { loadConfig } from '../config/app-config';
import type { WorkloadPodRow, WorkloadRow } from '../database/workloads.repository';
import { HorizontalPodAutoscalerService } from './horizontal-pod-autoscaler.service';

const T = Date.parse('2026-01-01T00:00:00Z');

const row = (over: Partial<WorkloadRow>): WorkloadRow => ({
  id: 1,
  namespace: 'default',
  name: 'web',
  uid: 'hpa-uid',
  generation: '1',
  resource_version: '7',
  labels: {},
  annotations: {},
  owner_references: [],
  finalizers: [],
  spec: {},
  status: {},
  created_at: new Date(T),
  updated_at: new Date(T),
  deletion_timestamp: null,
  ...over,
});

const pod = (id: number, status = 'running', labels = { app: 'web' }): WorkloadPodRow => ({
  id,
  name: `web-${id}`,
  namespace: 'default',
  status,
  node_name: 'n1',
  labels,
  owner_references: [],
  restart_count: 0,
  created_at: new Date(T),
  started_at: new Date(T),
  cpu_req_m: 100,
});

function setup(replicas: number, pods: WorkloadPodRow[], usage: Record<number, number>) {
  const hpa = row({
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
    },
  });
  const deployment = row({
    id: 2,
    uid: 'dep-uid',
    spec: { replicas, selector: { matchLabels: { app: 'web' } } },
  });
  const updates: Array<{ spec: Record<string, unknown>; expect?: string }> = [];
  const statuses: Array<Record<string, any>> = [];
  const events: string[] = [];
  let pokes = 0;
  const repo = {
    list: async () => [hpa],
    podsForControllers: async () => pods,
    find: async (kind: string, _ns: string, name: string) =>
      kind === 'deployments' && name === 'web' ? deployment : null,
    update: async (_k: string, _ns: string, _n: string, next: any, expectVersion?: string) => {
      updates.push({ spec: next.spec, expect: expectVersion });
      return deployment;
    },
    setStatus: async (_k: string, _id: number, status: Record<string, any>) => {
      statuses.push(status);
      return true;
    },
  };
  const service = new HorizontalPodAutoscalerService(
    repo as never,
    {
      latestPod: (id: number) =>
        usage[id] === undefined
          ? undefined
          : { point: { timeMs: T, cpu: usage[id], memory: 0 }, containers: [] },
    } as never,
    {
      record: async (_t: string, _r: string, _o: string, m: string) => void events.push(m),
    } as never,
    { poke: () => pokes++ } as never,
    {} as never,
    loadConfig({}),
    'postgres://unused',
  );
  return { service, updates, statuses, events, pokes: () => pokes, deployment };
}

describe('HorizontalPodAutoscalerService.runOnce', () => {
  it("scales the Deployment on its pods' utilisation and reports it in the status", async () => {
    // two pods of 100m using 90m: 90% of a 50% target → ceil(2 × 1.8) = 4
    const s = setup(2, [pod(1), pod(2), pod(3, 'running', { app: 'other' })], { 1: 0.09, 2: 0.09 });
    await s.service.runOnce(T);
    expect(s.updates).toEqual([
      { spec: { replicas: 4, selector: { matchLabels: { app: 'web' } } }, expect: '7' },
    ]);
    expect(s.pokes()).toBe(1);
    expect(s.events).toEqual([
      'New size: 4; reason: cpu resource utilization (percentage of request) above target (90% of 50%)',
    ]);
    expect(s.statuses[0]).toMatchObject({
      currentReplicas: 2,
      desiredReplicas: 4,
      lastScaleTime: new Date(T).toISOString(),
      currentMetrics: [
        { resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } },
      ],
    });
  });

  it('leaves the Deployment alone within the tolerance, and without samples', async () => {
    const within = setup(2, [pod(1), pod(2)], { 1: 0.05, 2: 0.052 });
    await within.service.runOnce(T);
    expect(within.updates).toEqual([]);
    expect(within.statuses[0]).toMatchObject({ currentReplicas: 2, desiredReplicas: 2 });

    const blind = setup(2, [pod(1), pod(2, 'scheduled')], {});
    await blind.service.runOnce(T);
    expect(blind.updates).toEqual([]);
    expect(blind.statuses[0].conditions[1]).toMatchObject({
      type: 'ScalingActive',
      status: 'False',
      reason: 'FailedGetResourceMetric',
    });
  });

  it('holds a scale-down within its window, then follows it', async () => {
    const s = setup(4, [pod(1), pod(2), pod(3), pod(4)], { 1: 0.09, 2: 0.09, 3: 0.09, 4: 0.09 });
    await s.service.runOnce(T); // hot: asks for 5 (ceil(4 × 1.8) = 8, max 5)
    s.deployment.spec.replicas = 5;
    const cold = [1, 2, 3, 4, 5].map((id) => pod(id));
    const service = s.service as any;
    // the same controller (its recommendations), now over idle pods
    (service.repo as any).podsForControllers = async () => cold;
    (service.usage as any).latestPod = () => ({
      point: { timeMs: T, cpu: 0.001, memory: 0 },
      containers: [],
    });
    await s.service.runOnce(T + 60_000); // a minute later: the window still holds 5
    expect(s.updates).toHaveLength(1);
    expect(s.statuses[1].conditions[0]).toMatchObject({ reason: 'ScaleDownStabilized' });
    await s.service.runOnce(T + 301_000); // past the 300 s window: down to min
    expect(s.updates[1].spec.replicas).toBe(1);
  });

  it('says so when its Deployment does not exist', async () => {
    const s = setup(1, [], {});
    (s.service as any).repo.find = async () => null;
    await s.service.runOnce(T);
    expect(s.statuses[0].conditions[0]).toMatchObject({
      type: 'AbleToScale',
      status: 'False',
      reason: 'FailedGetScale',
    });
  });
});
