/**
 * The node's pods, simulated: it converges on the pod set the API assigns (new pods come,
 * unlisted ones go, a risen restart_count restarts one), writes each pod's folder before
 * its containers start, and plays their lifecycles as the kubelet would: creating, then
 * running, exiting by their command, restarted by the pod's restart policy after the
 * crash-loop back-off, ready after the readiness delay, printing status lines meanwhile.
 * One timer serves the whole node, so thousands of pods cost no timer each.
 */
import { ContainerOutput } from './container-output';
import { RejectedPod } from './heartbeat-response';
import { crashBackoffMs, restarts } from './lifecycle';
import { Logger } from './logger';
import { PodDisk } from './pod-disk';
import { podFilesProblem } from './pod-files';
import {
  ContainerState,
  isWaiting,
  newPodState,
  PodState,
  podStatus,
  unreadablePodState,
  usageProfilesOf,
} from './pod-state';
import { Clock, isoAt, TimerHandle } from './runtime-deps';
import { AgentContainerStatus, AgentPodStatus, PodAssignment } from './wire';

export interface ContainerView {
  name: string;
  status: AgentContainerStatus;
  restart_count: number;
}

export interface PodView {
  id: number;
  name: string;
  status: AgentPodStatus;
  env: Readonly<Record<string, string>>;
  containers: ContainerView[];
}

export interface PodSimulatorOptions {
  nodeName: string;
  /** how long a container stays `creating` */
  startDelayMs: number;
  /** how often a running container prints its status line */
  logStatusIntervalMs: number;
  disk: PodDisk;
  output: ContainerOutput;
  clock: Clock;
  logger: Logger;
  /** something the API should hear of at once happened (a pod runs, one failed) */
  onNews: () => void;
}

export class PodSimulator {
  private readonly pods = new Map<number, PodState>();
  private transitionTimer: TimerHandle | undefined;
  /** when runDueContainers last ran (clock ms) */
  private lastAdvance: number | undefined;
  private halted = false;
  private readonly nodeName: string;
  private readonly disk: PodDisk;
  private readonly output: ContainerOutput;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly options: PodSimulatorOptions) {
    this.nodeName = options.nodeName;
    this.disk = options.disk;
    this.output = options.output;
    this.clock = options.clock;
    this.logger = options.logger;
  }

  get size(): number {
    return this.pods.size;
  }

  /** the pods as they are now, in the order they came */
  held(): Iterable<PodState> {
    return this.pods.values();
  }

  podIds(): number[] {
    return [...this.pods.keys()];
  }

  runningCount(): number {
    let running = 0;
    for (const pod of this.pods.values()) if (podStatus(pod) === 'running') running++;
    return running;
  }

  views(): PodView[] {
    return [...this.pods.values()].map((pod) => ({
      id: pod.id,
      name: pod.name,
      status: podStatus(pod),
      env: { ...pod.env },
      containers: pod.containers.map((c) => ({
        name: c.name,
        status: c.status,
        restart_count: c.restartCount,
      })),
    }));
  }

  /** The node stops: no more transitions, no more convergence. Pods' folders stay on disk. */
  halt(): void {
    this.halted = true;
    if (this.transitionTimer !== undefined) this.clock.clearTimeout(this.transitionTimer);
    this.transitionTimer = undefined;
  }

  /**
   * Converges on an answer. With `wantedIds` (a server that sends changes only), `specs`
   * are the pods new or changed and `wantedIds` every pod to run; without it, `specs`
   * is the full set. Returns whether listed pods are still missing (their specs follow).
   */
  converge(
    specs: readonly PodAssignment[],
    rejected: readonly RejectedPod[],
    wantedIds?: readonly number[],
  ): boolean {
    if (this.halted) return false;
    const given = new Map<number, PodAssignment>();
    for (const spec of specs) given.set(spec.id, spec);
    const refused = new Map<number, RejectedPod>();
    for (const pod of rejected) refused.set(pod.id, pod);
    const wanted = new Set<number>(wantedIds ?? [...given.keys(), ...refused.keys()]);
    for (const pod of this.pods.values()) {
      const spec = given.get(pod.id);
      const name = spec?.name ?? refused.get(pod.id)?.name ?? pod.name;
      if (!wanted.has(pod.id) || name !== pod.name) this.dropPod(pod);
    }
    for (const spec of given.values()) {
      const pod = this.pods.get(spec.id);
      if (!pod || pod.unreadable) {
        this.addPod(spec);
        continue;
      }
      if (spec.restart_count > pod.restartSeen) this.restartPod(pod, spec);
      pod.restartSeen = spec.restart_count;
      // an annotated use may change on a running pod (kubectl annotate --overwrite)
      Object.assign(pod, usageProfilesOf(spec.annotations));
    }
    for (const bad of refused.values()) {
      const pod = this.pods.get(bad.id) ?? this.addUnreadablePod(bad);
      if (!pod.failed) this.failPod(pod, bad.reason);
    }
    this.scheduleTransitions();
    for (const id of wanted) if (!this.pods.has(id)) return true;
    return false;
  }

  private addPod(spec: PodAssignment): void {
    const pod = newPodState(spec, this.clock.now(), this.options.startDelayMs);
    this.pods.set(pod.id, pod);
    this.materialise(pod, spec);
  }

  private materialise(pod: PodState, spec: PodAssignment): void {
    const problem = podFilesProblem(spec);
    if (problem) return this.failPod(pod, problem);
    this.disk.write(pod, spec, {
      wanted: () => this.pods.get(pod.id) === pod,
      failed: (reason) => this.failPod(pod, reason),
      written: () => {
        pod.materialised = true;
        this.scheduleTransitions();
      },
    });
  }

  private restartPod(pod: PodState, spec: PodAssignment): void {
    this.logger.info(
      `${this.nodeName}: pod ${pod.name} (id ${pod.id}) restarting (restart ${spec.restart_count})`,
    );
    for (const c of pod.containers) {
      c.restartCount++;
      c.status = 'creating';
      c.dueAt = Infinity;
      c.crashes = 0;
    }
    pod.readyAt = this.clock.now() + this.options.startDelayMs;
    if (pod.failed) {
      // A restart is also the way to retry a pod whose files could not be written.
      pod.failed = false;
      pod.reason = undefined;
      pod.materialised = false;
      this.materialise(pod, spec);
    }
  }

  private addUnreadablePod(bad: RejectedPod): PodState {
    const pod = unreadablePodState(bad, this.clock.now());
    this.pods.set(pod.id, pod);
    return pod;
  }

  private failPod(pod: PodState, reason: string): void {
    pod.failed = true;
    pod.reason = reason;
    for (const c of pod.containers) {
      c.status = 'failed';
      c.dueAt = Infinity;
    }
    this.logger.warn(`${this.nodeName}: pod ${pod.name} (id ${pod.id}) failed: ${reason}`);
    this.options.onNews();
  }

  private dropPod(pod: PodState): void {
    this.pods.delete(pod.id);
    this.logger.info(`${this.nodeName}: pod ${pod.name} (id ${pod.id}) dropped`);
    this.disk.remove(pod);
  }

  /** Bound once: the timer gets this, not a fresh closure each time. */
  private readonly onTransitionTimer = (): void => {
    this.transitionTimer = undefined;
    this.runDueContainers();
  };

  /** One timer for the whole node: set for the earliest pod whose containers may run. */
  private scheduleTransitions(): void {
    if (this.halted) return;
    let next = Infinity;
    const now = this.clock.now();
    for (const pod of this.pods.values()) {
      if (isWaiting(pod)) next = Math.min(next, pod.readyAt);
      if (pod.failed) continue;
      for (const c of pod.containers) {
        next = Math.min(next, c.dueAt, c.status === 'running' ? c.statusAt : Infinity);
        // the moment it turns ready is news for the API too
        if (c.status === 'running' && c.startedAt !== undefined && pod.readyAfterMs > 0) {
          const readyAt = c.startedAt + pod.readyAfterMs;
          if (readyAt > now) next = Math.min(next, readyAt);
        }
      }
    }
    if (this.transitionTimer !== undefined) this.clock.clearTimeout(this.transitionTimer);
    this.transitionTimer =
      next === Infinity
        ? undefined
        : this.clock.setTimeout(this.onTransitionTimer, Math.max(0, next - this.clock.now()));
  }

  private runDueContainers(): void {
    const now = this.clock.now();
    let started = false;
    for (const pod of this.pods.values()) {
      if (!pod.failed && this.advanceContainers(pod, now)) started = true;
      if (!isWaiting(pod) || pod.readyAt > now) continue;
      for (const c of pod.containers) if (c.status === 'creating') this.startContainer(c, now, pod);
      started = true;
      this.logger.info(
        `${this.nodeName}: pod ${pod.name} (id ${pod.id}) running (containers: ${pod.containers.map((c) => c.name).join(', ') || 'none'})`,
      );
    }
    this.lastAdvance = now;
    this.scheduleTransitions();
    // The API learns a pod runs on the next beat: send it now, not an interval later.
    if (started) this.options.onNews();
  }

  private startContainer(c: ContainerState, now: number, pod: PodState): void {
    c.status = 'running';
    c.startedAt = now;
    c.dueAt = c.plan ? now + c.plan.runSeconds * 1000 : Infinity;
    c.statusAt = now + this.options.logStatusIntervalMs;
    this.print(
      pod,
      c,
      now,
      `starting ${c.image || 'container'} (container ${c.name} of pod ${pod.name})`,
    );
    this.print(pod, c, now, c.plan ? `running for ${c.plan.runSeconds}s` : 'ready: serving');
  }

  /** A line the container prints; the next beat delivers it. */
  private print(pod: PodState, c: ContainerState, at: number, text: string): void {
    this.output.print({ pod_id: pod.id, container: c.name, at: isoAt(this.clock, at), text });
  }

  /**
   * Ends the containers whose run is over and restarts those whose back-off is; returns
   * whether anything changed (for the API).
   */
  private advanceContainers(pod: PodState, now: number): boolean {
    let changed = false;
    for (const c of pod.containers) {
      while (c.status === 'running' && c.statusAt <= now && c.startedAt !== undefined) {
        const up = Math.round((c.statusAt - c.startedAt) / 1000);
        this.print(pod, c, c.statusAt, `status: ok, up ${up}s, cpu ${c.cpuReq} cores`);
        c.statusAt += this.options.logStatusIntervalMs;
      }
      if (c.dueAt > now) {
        // a readiness delay just over is a change to report
        if (
          c.status === 'running' &&
          c.startedAt !== undefined &&
          pod.readyAfterMs > 0 &&
          c.startedAt + pod.readyAfterMs <= now &&
          c.startedAt + pod.readyAfterMs > (this.lastAdvance ?? -Infinity)
        )
          changed = true;
        continue;
      }
      changed = true;
      if (c.status === 'running' && c.plan && c.startedAt !== undefined) {
        const code = c.plan.exitCode;
        c.lastEnd = {
          exit_code: code,
          reason: code === 0 ? 'Completed' : 'Error',
          started_at: isoAt(this.clock, c.startedAt),
          finished_at: isoAt(this.clock, now),
        };
        if (now - c.startedAt >= pod.backoff.resetAfterMs) c.crashes = 0;
        this.logger.info(
          `${this.nodeName}: pod ${pod.name} container ${c.name} exited with code ${code}`,
        );
        this.print(pod, c, now, `exiting with code ${code}`);
        c.statusAt = Infinity;
        if (restarts(pod.restartPolicy, code)) {
          c.crashes++;
          c.status = 'waiting';
          c.dueAt = now + crashBackoffMs(c.crashes, pod.backoff);
        } else {
          c.status = 'terminated';
          c.dueAt = Infinity;
        }
      } else if (c.status === 'waiting') {
        c.restartCount++;
        this.startContainer(c, now, pod);
      } else {
        c.dueAt = Infinity;
      }
    }
    return changed;
  }
}
