/**
 * What a heartbeat tells the API of the node's pods: each pod's status, its containers'
 * states, and the CPU and memory they are simulated to use (as their annotations ask,
 * else around their requests).
 */
import { exitedReason, PodState, podStatus } from './pod-state';
import { Clock, isoAt, Random } from './runtime-deps';
import { usageAt } from './usage-profile';
import { ContainerReport, MAX_MEMORY_USAGE_MIB, PodReport } from './wire';

/** A running container's CPU use: its request ±20%, never negative. */
export function simulatedCpuUsage(cpuReq: number, random: Random): number {
  return Math.max(0, cpuReq * (0.8 + 0.4 * random()));
}

/** A running container's memory use: 80–100% of its request. */
export function simulatedMemoryUsage(memoryReq: number, random: Random): number {
  return Math.max(0, memoryReq * (0.8 + 0.2 * random()));
}

/**
 * A pod's use as its annotation asks, shared by its running containers in proportion to
 * their requests (evenly when none asks for any); one entry per container, 0 if not running.
 */
export function splitUsage(
  total: number,
  requests: readonly number[],
  running: readonly boolean[],
): number[] {
  const weights = requests.map((r, i) => (running[i] ? Math.max(0, r) : 0));
  let sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) {
    for (let i = 0; i < weights.length; i++) weights[i] = running[i] ? 1 : 0;
    sum = weights.reduce((a, b) => a + b, 0);
  }
  return weights.map((w) => (sum === 0 ? 0 : (total * w) / sum));
}

export const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export interface PodsReport {
  podIds: number[];
  pods: PodReport[];
  /** cores, summed over the containers (not yet capped at the node's size) */
  cpuUsage: number;
  /** MiB, summed over the containers */
  memoryUsage: number;
}

/**
 * Reports `pods` as they are now; `terminating` (the node's last beat) reports every
 * container terminated and using nothing. No container reports more use than its node has.
 */
export function reportPods(
  pods: Iterable<PodState>,
  node: { cpuCores: number; terminating: boolean; clock: Clock; random: Random },
): PodsReport {
  const { cpuCores, terminating, clock, random } = node;
  let usage = 0;
  let memoryUsage = 0;
  const podIds: number[] = [];
  const reports: PodReport[] = [];
  for (const pod of pods) {
    podIds.push(pod.id);
    const now = clock.now();
    const running = pod.containers.map((c) => !terminating && c.status === 'running');
    const cpus = pod.cpuProfile
      ? splitUsage(
          usageAt(pod.cpuProfile, now - pod.addedAt),
          pod.containers.map((c) => c.cpuReq),
          running,
        )
      : pod.containers.map((c, i) => (running[i] ? simulatedCpuUsage(c.cpuReq, random) : 0));
    const memories = pod.memoryProfile
      ? splitUsage(
          usageAt(pod.memoryProfile, now - pod.addedAt),
          pod.containers.map((c) => c.memoryReq),
          running,
        )
      : pod.containers.map((c, i) => (running[i] ? simulatedMemoryUsage(c.memoryReq, random) : 0));
    const containers = pod.containers.map((c, i) => {
      // no container uses more than its node has, whatever its annotation asks
      const cpu = round3(Math.min(cpus[i], cpuCores));
      const memory = round3(Math.min(memories[i], MAX_MEMORY_USAGE_MIB));
      usage += cpu;
      memoryUsage += memory;
      const report: ContainerReport = {
        name: c.name,
        status: terminating ? ('terminated' as const) : c.status,
        restart_count: c.restartCount,
        cpu_usage: cpu,
        memory_usage: memory,
      };
      if (terminating) return report;
      if (c.status === 'running' && c.startedAt !== undefined) {
        // kept small for the beats that change nothing: `ready` only while not yet, the
        // start only of a restarted container (the API knows the first from the pod's)
        if (now < c.startedAt + pod.readyAfterMs) report.ready = false;
        if (c.lastEnd) {
          report.started_at = isoAt(clock, c.startedAt);
          report.last_terminated = c.lastEnd;
        }
      } else if (c.status === 'terminated' && c.lastEnd) {
        report.terminated = c.lastEnd;
      } else if (c.status === 'waiting') {
        report.waiting_reason = 'CrashLoopBackOff';
        if (c.lastEnd) report.last_terminated = c.lastEnd;
      }
      return report;
    });
    const status = terminating ? 'terminating' : podStatus(pod);
    const report: PodReport = { id: pod.id, status, containers };
    if (pod.failed && pod.reason && !terminating) report.reason = pod.reason;
    else if (status === 'failed' || status === 'succeeded') {
      report.finished = true;
      if (status === 'failed') report.reason = exitedReason(pod);
    }
    reports.push(report);
  }
  return { podIds, pods: reports, cpuUsage: usage, memoryUsage };
}
