/**
 * The Deployment figure: one Deployment scaled from 0 to N replicas through its scale
 * subresource (as `kubectl scale` does), timed until its controller has created every pod
 * and until the scheduler has bound every one of them.
 */
import { Api } from '../lib/api';
import { CpuMeter, CpuShare } from '../lib/cpu';
import { sleep } from '../lib/lifecycle';

export interface DeploymentRun {
  nodes: number;
  replicas: number;
  /** from the scale request to the Deployment reporting every replica created */
  created_s: number;
  pods_per_s: number;
  /** from the scale request to every pod bound to a node */
  bound_s: number;
  bound_per_s: number;
  cpu: CpuShare | null;
}

const POLL_MS = 50;

export async function deploymentScale(
  api: Api,
  options: { name: string; replicas: number; nodes: number; meter?: CpuMeter; timeoutMs: number },
): Promise<DeploymentRun> {
  const { name, replicas } = options;
  const base = '/apis/apps/v1/namespaces/default/deployments';
  await api.call('POST', base, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              resources: { requests: { cpu: '10m', memory: '1Mi' } },
            },
          ],
        },
      },
    },
  });
  const deadline = Date.now() + options.timeoutMs;
  const until = async (what: string, done: () => Promise<boolean>) => {
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`deployment ${name}: ${what} not within the run`);
      await sleep(POLL_MS);
    }
  };
  const deployment = () => api.get<{ status: Record<string, number> }>(`${base}/${name}`);
  // its (empty) ReplicaSet exists before the clock starts
  await until('first sync', async () => ((await deployment()).status.observedGeneration ?? 0) >= 1);

  options.meter?.begin();
  const started = performance.now();
  await api.call(
    'PATCH',
    `${base}/${name}/scale`,
    { spec: { replicas } },
    { headers: { 'content-type': 'application/merge-patch+json' } },
  );
  await until(
    'every pod created',
    async () => ((await deployment()).status.replicas ?? 0) >= replicas,
  );
  const createdS = (performance.now() - started) / 1000;
  const pods = `/api/v1/namespaces/default/pods?labelSelector=app%3D${name}`;
  await until('every pod bound', async () => {
    const list = await api.get<{ items: Array<{ spec: { nodeName?: string } }> }>(pods);
    return list.items.length >= replicas && list.items.every((p) => !!p.spec.nodeName);
  });
  const boundS = (performance.now() - started) / 1000;
  const cpu = options.meter?.end() ?? null;

  // gone again before the next figure: background cascade, then wait for the pods to go
  await api.call('DELETE', `${base}/${name}`, undefined, { expect: [200, 202] });
  await until(
    'its pods deleted',
    async () => (await api.get<{ items: unknown[] }>(pods)).items.length === 0,
  );
  return {
    nodes: options.nodes,
    replicas,
    created_s: createdS,
    pods_per_s: replicas / createdS,
    bound_s: boundS,
    bound_per_s: replicas / boundS,
    cpu,
  };
}
