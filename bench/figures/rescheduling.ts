/**
 * Figure 4: a node holding 110 pods goes silent; from the moment it is failed, how long
 * until every one of its pods is bound to another node, and is its CPU given back.
 * Runs on a server with a short failure timeout so the wait for detection is brief.
 */
import { Api } from '../lib/api';
import {
  Beater,
  BenchNode,
  beatAll,
  listAll,
  pollUntil,
  registerNodes,
  POD_CPU,
} from '../lib/cluster';
import { forEachLimit } from '../lib/lifecycle';
import { median } from '../lib/stats';

interface PodView {
  id: number;
  name: string;
  status: string;
  node_id: number | null;
}

export interface ReschedSample {
  victim: string;
  pods: number;
  /** last 200 of its beats → seen failed */
  detection_ms: number;
  /** seen failed → all its pods seen bound elsewhere (poll every 50 ms) */
  rescheduled_ms: number;
  /** server clock: NodeFailed event → last PodRescheduled event */
  server_span_ms: number | null;
  pods_bound_elsewhere: number;
  pods_pending: number;
  victim_cpu_allocated_after: number;
}

export interface ReschedResult {
  pods_per_node: number;
  receivers: number;
  samples: ReschedSample[];
  median_ms: number;
  median_server_span_ms: number;
  all_bound: boolean;
  cpu_returned: boolean;
}

const POLL_MS = 50;

export async function rescheduling(
  api: Api,
  options: {
    prefix: string;
    repetitions: number;
    podsPerNode: number;
    beatMs: number;
    timeoutMs: number;
    onProgress?: (fraction: number, detail: string) => void;
  },
): Promise<ReschedResult> {
  const receiverCount = 10;
  const receivers = await registerNodes(api, {
    prefix: `${options.prefix}-r`,
    from: 1,
    to: receiverCount + 1,
    cpus: 4,
  });
  await beatAll(api, receivers);
  const beater = new Beater(api, options.beatMs);
  const samples: ReschedSample[] = [];
  try {
    for (const n of receivers) beater.add(n);
    for (let k = 1; k <= options.repetitions; k++) {
      const step = (f: number, d: string) =>
        options.onProgress?.(
          (k - 1 + f) / options.repetitions,
          `run ${k}/${options.repetitions}: ${d}`,
        );
      step(0, `filling a node with ${options.podsPerNode} pods`);
      const [victim] = await registerNodes(api, {
        prefix: `${options.prefix}-v`,
        from: k,
        to: k + 1,
        cpus: Math.max(2, Math.ceil(options.podsPerNode * POD_CPU * 2)),
      });
      await beatAll(api, [victim]);
      beater.add(victim, options.beatMs);
      const podPrefix = `${options.prefix}-p${k}-`;
      await fill(api, victim, receivers, podPrefix, options.podsPerNode);
      // its last beat is then one whose answer listed all its pods
      await beater.nextBeat(victim);
      step(0.3, 'victim silent, waiting for failed');
      const lastBeat = await beater.silence(victim);
      const failedAt = await pollUntil(POLL_MS, options.timeoutMs + 15_000, async () => {
        const res = await api.request<{ health_status: string }>('GET', `/nodes/${victim.id}`);
        return res.status === 200 && res.body.health_status === 'failed' ? res.at : null;
      });
      if (failedAt === null) throw new Error(`${victim.name} was never declared failed`);
      step(0.6, 'failed; waiting for its pods to be bound elsewhere');
      const doneAt = await pollUntil(POLL_MS, 60_000, async () => {
        const onVictim = await api.request<PodView[]>('GET', `/pods?node=${victim.id}&limit=1000`);
        const pending = await api.request<PodView[]>('GET', `/pods?status=pending&limit=5000`);
        const ours = pending.body.filter((p) => p.name.startsWith(podPrefix)).length;
        return onVictim.body.length === 0 && ours === 0 ? pending.at : null;
      });
      if (doneAt === null)
        throw new Error(`the pods of ${victim.name} were not rescheduled within 60 s`);
      samples.push(await check(api, victim, podPrefix, lastBeat, failedAt, doneAt));
    }
  } finally {
    beater.stop();
  }
  return {
    pods_per_node: options.podsPerNode,
    receivers: receiverCount,
    samples,
    median_ms: median(samples.map((s) => s.rescheduled_ms)),
    median_server_span_ms: median(
      samples.map((s) => s.server_span_ms).filter((n): n is number => n !== null),
    ),
    all_bound: samples.every((s) => s.pods_bound_elsewhere === s.pods),
    cpu_returned: samples.every((s) => s.victim_cpu_allocated_after === 0),
  };
}

/** Only the victim may take pods while they are created: the others are cordoned meanwhile. */
async function fill(
  api: Api,
  victim: BenchNode,
  receivers: readonly BenchNode[],
  podPrefix: string,
  count: number,
): Promise<void> {
  for (const r of receivers) await api.call('POST', `/nodes/${r.id}/cordon`);
  try {
    await forEachLimit(count, 8, async (i) => {
      const pod = await api.call<PodView>('POST', '/pods', {
        name: `${podPrefix}${i}`,
        cpu_cores_req: POD_CPU,
        containers: [{ name: 'main', image: 'busybox:1.36', cpu_req: POD_CPU, memory_req: 16 }],
      });
      if (pod.node_id !== victim.id)
        throw new Error(`pod ${pod.name} went to node ${pod.node_id}, not ${victim.name}`);
    });
  } finally {
    for (const r of receivers) await api.call('POST', `/nodes/${r.id}/uncordon`);
  }
}

async function check(
  api: Api,
  victim: BenchNode,
  podPrefix: string,
  lastBeat: number,
  failedAt: number,
  doneAt: number,
): Promise<ReschedSample> {
  const pods = (await listAll<PodView>(api, '/pods')).filter((p) => p.name.startsWith(podPrefix));
  const node = await api.get<{ cpu_cores_allocated: number }>(`/nodes/${victim.id}`);
  const [failedEvent] = await api.get<Array<{ created_at: string }>>(
    `/events?reason=NodeFailed&object=${encodeURIComponent(`node/${victim.name}`)}&limit=1`,
  );
  const moved = (
    await listAll<{ object: string; created_at: string }>(
      api,
      '/events?reason=PodRescheduled',
      20_000,
    )
  ).filter((e) => e.object.startsWith(`pod/${podPrefix}`));
  const lastMove = Math.max(...moved.map((e) => Date.parse(e.created_at)));
  return {
    victim: victim.name,
    pods: pods.length,
    detection_ms: failedAt - lastBeat,
    rescheduled_ms: doneAt - failedAt,
    server_span_ms:
      failedEvent && moved.length ? lastMove - Date.parse(failedEvent.created_at) : null,
    pods_bound_elsewhere: pods.filter(
      (p) => p.node_id !== null && p.node_id !== victim.id && p.status !== 'pending',
    ).length,
    pods_pending: pods.filter((p) => p.status === 'pending').length,
    victim_cpu_allocated_after: node.cpu_cores_allocated,
  };
}
