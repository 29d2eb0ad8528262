/**
 * What the agent holds of one pod and its containers, and the rules read off that state
 * alone: the pod's status, its lifecycle settings from its assignment, its usage profiles.
 */
import { RejectedPod } from './heartbeat-response';
import {
  BackoffSettings,
  durationSeconds,
  ExitPlan,
  exitPlan,
  KUBELET_BACKOFF,
  podPhase,
  READY_AFTER_ANNOTATION,
  RestartPolicy,
} from './lifecycle';
import { podEnvironment } from './pod-files';
import {
  CPU_USAGE_ANNOTATION,
  MEMORY_USAGE_ANNOTATION,
  parseUsageProfile,
  UsageProfile,
} from './usage-profile';
import { AgentPodStatus, PodAssignment, TerminatedReport } from './wire';

export interface ContainerState {
  name: string;
  image: string;
  /** when it prints its next status line (clock ms) */
  statusAt: number;
  cpuReq: number;
  /** MiB */
  memoryReq: number;
  status: 'creating' | 'running' | 'waiting' | 'terminated' | 'failed';
  restartCount: number;
  /** how it ends by itself; null: it runs until stopped */
  plan: ExitPlan | null;
  /** clock ms of its current start */
  startedAt?: number;
  /** clock ms of its next change: its exit while running, its restart while waiting */
  dueAt: number;
  /** its last end (shown while waiting, and as lastState once restarted) */
  lastEnd?: TerminatedReport;
  /** exits in a row that were restarted, for the back-off */
  crashes: number;
}

export interface PodState {
  id: number;
  name: string;
  /** the API's restart_count last seen: a higher one means "restart" */
  restartSeen: number;
  containers: ContainerState[];
  env: Record<string, string>;
  /** when its creating containers may run (clock ms) */
  readyAt: number;
  /** its folder is written; containers wait for it */
  materialised: boolean;
  failed: boolean;
  /** why it failed, told to the API */
  reason?: string;
  /** held only to report that its spec was unreadable: a readable spec replaces it */
  unreadable?: boolean;
  restartPolicy: RestartPolicy;
  backoff: BackoffSettings;
  /** ms after a container starts before it counts as ready */
  readyAfterMs: number;
  /** its use as its annotations ask (kubesim.io/cpu-usage, memory-usage); else around requests */
  cpuProfile?: UsageProfile;
  memoryProfile?: UsageProfile;
  /** clock ms it came to this node: a usage wave starts there */
  addedAt: number;
}

/** A pod just assigned: its containers creating until `readyAt`, its folder not yet written. */
export function newPodState(spec: PodAssignment, now: number, startDelayMs: number): PodState {
  return {
    id: spec.id,
    name: spec.name,
    restartSeen: spec.restart_count,
    containers: spec.containers.map((c) => ({
      name: c.name,
      image: c.image,
      statusAt: Infinity,
      cpuReq: c.cpu_req,
      memoryReq: c.memory_req,
      status: 'creating',
      restartCount: 0,
      plan: exitPlan(c.command, c.args, spec.annotations),
      dueAt: Infinity,
      crashes: 0,
    })),
    env: podEnvironment(spec.config),
    readyAt: now + startDelayMs,
    materialised: false,
    failed: false,
    addedAt: now,
    ...lifecycleOf(spec),
  };
}

/** A pod whose spec the agent cannot read: held as failed, so the API learns why. */
export function unreadablePodState(bad: RejectedPod, now: number): PodState {
  return {
    id: bad.id,
    name: bad.name,
    restartSeen: 0,
    containers: [],
    env: {},
    readyAt: now,
    materialised: false,
    failed: false,
    unreadable: true,
    restartPolicy: 'Always',
    backoff: KUBELET_BACKOFF,
    readyAfterMs: 0,
    addedAt: now,
  };
}

export function podStatus(pod: PodState): AgentPodStatus {
  if (pod.failed) return 'failed';
  switch (containersPhase(pod)) {
    case 'Succeeded':
      return 'succeeded';
    case 'Failed':
      return 'failed';
  }
  return pod.containers.some((c) => c.status === 'creating') ? 'creating' : 'running';
}

/** The phase its containers give the pod, under its restart policy. */
function containersPhase(pod: PodState) {
  return podPhase(
    pod.containers.map((c) => ({
      started: c.startedAt !== undefined,
      // ended for good: terminated and not to be restarted
      exitCode: c.status === 'terminated' ? c.lastEnd?.exit_code : undefined,
    })),
  );
}

/** A pod's restart policy, back-off and readiness delay from its assignment. */
function lifecycleOf(
  spec: PodAssignment,
): Pick<PodState, 'restartPolicy' | 'backoff' | 'readyAfterMs' | 'cpuProfile' | 'memoryProfile'> {
  const initialMs = spec.backoff_initial_ms ?? KUBELET_BACKOFF.initialMs;
  const readyAfter = spec.annotations?.[READY_AFTER_ANNOTATION];
  return {
    restartPolicy: spec.restart_policy ?? 'Always',
    backoff: {
      initialMs,
      maxMs: Math.max(initialMs, spec.backoff_max_ms ?? KUBELET_BACKOFF.maxMs),
      resetAfterMs: KUBELET_BACKOFF.resetAfterMs,
    },
    readyAfterMs: readyAfter === undefined ? 0 : (durationSeconds(readyAfter) ?? 0) * 1000,
    ...usageProfilesOf(spec.annotations),
  };
}

/** The usage profiles a pod's annotations ask for; one that does not parse is ignored. */
export function usageProfilesOf(
  annotations: Record<string, string> | undefined,
): Pick<PodState, 'cpuProfile' | 'memoryProfile'> {
  const cpu = annotations?.[CPU_USAGE_ANNOTATION];
  const memory = annotations?.[MEMORY_USAGE_ANNOTATION];
  const cpuProfile = cpu === undefined ? undefined : parseUsageProfile(cpu, 'cpu');
  const memoryProfile = memory === undefined ? undefined : parseUsageProfile(memory, 'memory');
  return {
    cpuProfile: cpuProfile?.ok ? cpuProfile.value : undefined,
    memoryProfile: memoryProfile?.ok ? memoryProfile.value : undefined,
  };
}

/** Its folder is written and its containers wait for their start. */
export function isWaiting(pod: PodState): boolean {
  return pod.materialised && !pod.failed && pod.containers.some((c) => c.status === 'creating');
}

/** Why a pod whose containers ended failed: the first that did not exit 0. */
export function exitedReason(pod: PodState): string {
  const bad = pod.containers.find((c) => c.lastEnd && c.lastEnd.exit_code !== 0);
  return bad ? `container ${bad.name} exited with code ${bad.lastEnd!.exit_code}` : 'failed';
}
