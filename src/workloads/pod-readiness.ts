import { WorkloadPodRow } from '../database/workloads.repository';
import { PodView } from './core/types';

/**
 * Whether a pod counts as ready for its controller: it runs and its agent reports every
 * container ready (past `kubesim.io/ready-after`, not waiting out a crash-loop back-off).
 */
export function podReady(pod: Pick<WorkloadPodRow, 'status' | 'containers_ready'>): boolean {
  return pod.status === 'running' && pod.containers_ready !== false;
}

const PHASES: Record<string, PodView['phase']> = {
  pending: 'Pending',
  scheduled: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
};

export function toPodView(pod: WorkloadPodRow): PodView {
  const ready = podReady(pod);
  return {
    name: pod.name,
    labels: pod.labels ?? {},
    ownerReferences: (pod.owner_references ?? []) as PodView['ownerReferences'],
    phase: PHASES[pod.status] ?? 'Unknown',
    nodeName: pod.node_name,
    targetNode: pod.pinned_node ?? null,
    ready,
    readySince: ready && pod.started_at ? new Date(pod.started_at).getTime() : null,
    restartCount: pod.restart_count,
    createdAt: new Date(pod.created_at).getTime(),
    finishedAt: pod.finished_at ? new Date(pod.finished_at).getTime() : null,
    deleting: false,
  };
}
