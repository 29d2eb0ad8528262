/**
 * Figure 6: one machine holding the full cluster. Tops the pod count up to the target
 * through the API, then reads the API process's resident memory and times the first
 * page of the two big lists.
 */
import { Api } from '../lib/api';
import { median, percentile } from '../lib/stats';
import { PodLoad, PodRun } from './pod-creation';

export interface ScaleResult {
  nodes_target: number;
  pods_target: number;
  nodes: number;
  pods: number;
  top_up: PodRun | null;
  rss_mb: number | null;
  peak_rss_mb: number | null;
  list_pods_ms: { median: number; p90: number; samples: number };
  list_nodes_ms: { median: number; p90: number; samples: number };
  cluster_ms: { median: number; samples: number };
}

interface ClusterSummary {
  nodes: { total: number };
  pods: { total: number };
}

export async function clusterTotals(api: Api): Promise<{ nodes: number; pods: number }> {
  const c = await api.get<ClusterSummary>('/cluster');
  return { nodes: c.nodes.total, pods: c.pods.total };
}

export async function scale(
  api: Api,
  pods: PodLoad,
  options: {
    nodesTarget: number;
    podsTarget: number;
    maxSeconds: number;
    memory: () => { rssMb: number; peakMb: number } | null;
    onProgress?: (fraction: number, detail: string) => void;
  },
): Promise<ScaleResult> {
  const before = await clusterTotals(api);
  let topUp: PodRun | null = null;
  const missing = options.podsTarget - before.pods;
  if (missing > 0) {
    options.onProgress?.(0, `creating ${missing.toLocaleString('en-US')} pods`);
    topUp = await pods.run({
      label: 'scale top-up',
      nodes: before.nodes,
      algorithm: 'best-fit',
      amount: missing,
      maxSeconds: options.maxSeconds,
      onTick: (n, s) =>
        options.onProgress?.(
          0.9 * Math.min(1, n / missing),
          `${(before.pods + n).toLocaleString('en-US')}/${options.podsTarget.toLocaleString('en-US')} pods, ${Math.round(n / s)}/s`,
        ),
    });
  }
  const after = await clusterTotals(api);
  options.onProgress?.(0.92, 'memory and list timings');
  const memory = options.memory();
  const time = async (path: string, n: number) => {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await api.request('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      samples.push(res.ms);
    }
    return { median: median(samples), p90: percentile(samples, 90), samples: n };
  };
  const listPods = await time('/pods?limit=100', 20);
  const listNodes = await time('/nodes?limit=100', 20);
  const cluster = await time('/cluster', 5);
  return {
    nodes_target: options.nodesTarget,
    pods_target: options.podsTarget,
    nodes: after.nodes,
    pods: after.pods,
    top_up: topUp,
    rss_mb: memory?.rssMb ?? null,
    peak_rss_mb: memory?.peakMb ?? null,
    list_pods_ms: listPods,
    list_nodes_ms: listNodes,
    cluster_ms: { median: cluster.median, samples: cluster.samples },
  };
}
