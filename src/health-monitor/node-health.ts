import { NodeRecord } from '../database/records';

export interface MonitorTimings {
  heartbeatIntervalMs: number;
  nodeFailureTimeoutMs: number;
  nodeNotReadyAfterMs: number;
  recoveryBackoffMs: number;
  maxRecoveryAttempts: number;
  podEvictionDelayMs: number;
}

export type HealthVerdict =
  /** nothing to do */
  | { action: 'none' }
  /** a healthy node silent past NODE_NOT_READY_AFTER_MS: not_ready, no new pods */
  | { action: 'not-ready'; silentMs: number }
  /** silent past the timeout: failed */
  | { action: 'fail'; silentMs: number }
  /** restarted but still silent after another timeout: that attempt failed */
  | { action: 'attempt-failed'; silentMs: number; permanently: boolean }
  /** failed and its restart is due */
  | { action: 'restart'; attempt: number };

type NodeState = Pick<
  NodeRecord,
  | 'health_status'
  | 'last_heartbeat_at'
  | 'status_changed_at'
  | 'created_at'
  | 'recovery_attempts'
  | 'next_recovery_at'
>;

const time = (d: Date | string | null | undefined) => (d ? new Date(d).getTime() : 0);

/** How long a node has been silent: since its last heartbeat, or since it was registered. */
export function silentMs(node: NodeState, now: number): number {
  return now - (time(node.last_heartbeat_at) || time(node.created_at));
}

/** Delay before restart number `attempt` (1-based): the backoff, doubling each time. */
export function restartDelayMs(attempt: number, backoffMs: number): number {
  return backoffMs * 2 ** Math.max(0, attempt - 1);
}

/**
 * The health decision, a pure function of the node, the time and the timings
 * (as Kubernetes' node lifecycle controller decides from the last lease renewal).
 */
export function decideHealth(node: NodeState, now: number, t: MonitorTimings): HealthVerdict {
  switch (node.health_status) {
    case 'healthy':
    case 'not_ready':
    case 'pending': {
      const silent = silentMs(node, now);
      if (silent > t.nodeFailureTimeoutMs) return { action: 'fail', silentMs: silent };
      if (node.health_status === 'healthy' && silent > t.nodeNotReadyAfterMs) {
        return { action: 'not-ready', silentMs: silent };
      }
      return { action: 'none' };
    }
    case 'recovering': {
      // a restart was issued at status_changed_at; its agent has a full timeout to speak
      const sinceRestart = now - time(node.status_changed_at);
      if (sinceRestart > t.nodeFailureTimeoutMs) {
        return {
          action: 'attempt-failed',
          silentMs: silentMs(node, now),
          permanently: node.recovery_attempts >= t.maxRecoveryAttempts,
        };
      }
      return { action: 'none' };
    }
    case 'failed': {
      if (node.recovery_attempts >= t.maxRecoveryAttempts) return { action: 'none' };
      const due = time(node.next_recovery_at);
      if (due && now >= due) return { action: 'restart', attempt: node.recovery_attempts + 1 };
      return { action: 'none' };
    }
    default:
      return { action: 'none' };
  }
}
