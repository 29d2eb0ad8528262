import { WorkloadPodRow } from '../database/workloads.repository';
import { PodView } from './core/types';

/**
 * Whether a pod counts as ready for its controller: for now, once it runs. The one
 * place to change when pods report readiness of their own.
 */
export function podReady(pod: Pick<WorkloadPodRow, 'status'>): boolean {
  return pod.status === 'running';
}

const PHASES: Record<string, PodView['phase']> = {
  pending: 'Pending',
  scheduled: 'Pending',
  running: 'Running',
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
    ready,
    readySince: ready && pod.started_at ? new Date(pod.started_at).getTime() : null,
    restartCount: pod.restart_count,
    createdAt: new Date(pod.created_at).getTime(),
    deleting: false,
  };
}
