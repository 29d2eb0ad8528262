/**
 * NodeAgent: one simulated kubesim node. It is only an API client: it heartbeats,
 * converges on the pod list each answer carries, simulates its containers' CPU use and
 * keeps each pod's volumes and config on disk. Thousands run in one process for
 * virtual fleets, so an agent holds two timers at most and no per-beat closures.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHeartbeatResponse, parseWatchResponse, RejectedPod } from './heartbeat-response';
import { httpFetch } from './http-transport';
import { Logger, stdoutLogger } from './logger';
import {
  CPU_USAGE_ANNOTATION,
  MEMORY_USAGE_ANNOTATION,
  parseUsageProfile,
  UsageProfile,
  usageAt,
} from './usage-profile';
import {
  isSafeFileName,
  materialisePod,
  podEnvironment,
  podFilesProblem,
  removePodDir,
} from './pod-files';
import {
  Clock,
  describeError,
  FetchLike,
  HttpResult,
  postJson,
  Random,
  systemClock,
  TimerHandle,
} from './runtime-deps';
import {
  BackoffSettings,
  crashBackoffMs,
  durationSeconds,
  ExitPlan,
  exitPlan,
  KUBELET_BACKOFF,
  podPhase,
  READY_AFTER_ANNOTATION,
  RestartPolicy,
  restarts,
} from './lifecycle';
import {
  AgentContainerStatus,
  AgentPodStatus,
  ContainerReport,
  TerminatedReport,
  ComponentStatus,
  HeartbeatRequest,
  LogLine,
  MASTER_COMPONENTS,
  MAX_LOG_LINES,
  MAX_MEMORY_USAGE_MIB,
  NodeComponents,
  PodAssignment,
  PodReport,
} from './wire';

export type NodeType = 'worker' | 'master';

/** Why an agent stopped: `stopped` was asked for locally, the others came from the API. */
export type AgentExitReason = 'stopped' | 'terminated' | 'deleted' | 'unauthorized';

export type AgentState = 'idle' | 'running' | 'stopping' | 'stopped';

export interface NodeAgentOptions {
  nodeId: string | number;
  nodeName: string;
  /** base URL of the API, e.g. http://127.0.0.1:3000 */
  apiServer: string;
  /** the node's heartbeat token */
  token: string;
  cpuCores: number;
  heartbeatIntervalMs: number;
  nodeType?: NodeType;
  /** the node's own folder; pods live under `{dataDir}/pods/` */
  dataDir: string;
  /** how long a container stays `creating`; default 50 ms */
  containerStartDelayMs?: number;
  /** deadline of one heartbeat; default the interval, within 2–10 s */
  requestTimeoutMs?: number;
  /** HTTP client; default node:http with keep-alive (global fetch fits too) */
  fetch?: FetchLike;
  /**
   * Also hold a long poll (POST /nodes/:id/watch) so new pods start at once instead of
   * at the next heartbeat. Off by default: a fleet of thousands keeps to heartbeats.
   */
  watchAssignments?: boolean;
  /** how often a running container prints its status line; default 30 s */
  logStatusIntervalMs?: number;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

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

export interface AgentStats {
  state: AgentState;
  /** the last heartbeat got an answer */
  apiReachable: boolean;
  partitioned: boolean;
  pods: number;
  runningPods: number;
}

export const MAX_BACKOFF_MS = 30_000;
export const DEFAULT_CONTAINER_START_DELAY_MS = 50;
export const LAST_HEARTBEAT_TIMEOUT_MS = 1_000;

/** The beat period with ±10% jitter, so agents started together drift apart. */
export function jitteredIntervalMs(intervalMs: number, random: Random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}

/**
 * Delay before retry number `failures` (1 = first) while the API does not answer:
 * the interval doubling per failure, ±10% jitter, never above 30 s (or the interval
 * itself when that is longer).
 */
export function backoffDelayMs(failures: number, intervalMs: number, random: Random): number {
  const cap = Math.max(MAX_BACKOFF_MS, intervalMs);
  const base = Math.min(cap, intervalMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return Math.min(cap, Math.round(base * (0.9 + 0.2 * random())));
}

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

export function componentsFor(
  nodeType: NodeType,
  containerRuntime: ComponentStatus = 'running',
): NodeComponents {
  const components: NodeComponents = {
    kubelet: 'running',
    container_runtime: containerRuntime,
    kube_proxy: 'running',
    node_agent: 'running',
  };
  if (nodeType === 'master') for (const name of MASTER_COMPONENTS) components[name] = 'running';
  return components;
}

interface ContainerState {
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

interface PodState {
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

/** how long one watch waits on the server before it is renewed */
const WATCH_TIMEOUT_MS = 25_000;

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

function podStatus(pod: PodState): AgentPodStatus {
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
function usageProfilesOf(
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

function isWaiting(pod: PodState): boolean {
  return pod.materialised && !pod.failed && pod.containers.some((c) => c.status === 'creating');
}

/**
 * A pod's folder under the data dir: its id and name, so two pods of one name (in two
 * namespaces) on one node never share a folder.
 */
function podDirName(pod: { id: number; name: string }): string {
  return `${pod.id}-${pod.name}`;
}

export class NodeAgent {
  /** Resolves once the agent has stopped, with the reason. */
  readonly done: Promise<AgentExitReason>;
  readonly nodeName: string;
  readonly nodeId: string;

  private readonly resolveDone: (reason: AgentExitReason) => void;
  private readonly nodeType: NodeType;
  private readonly cpuCores: number;
  private readonly intervalMs: number;
  private readonly startDelayMs: number;
  private readonly requestTimeoutMs: number;
  private readonly heartbeatUrl: string;
  private readonly watchUrl: string;
  private readonly watchEnabled: boolean;
  /** the pods_version of the last pod set applied; -1 before the first answer */
  private podsVersion = -1;
  /** the server refused `pods_version` in a beat (an older release): send the old body */
  private legacyServer = false;
  private watching = false;
  private watchAbort?: AbortController;
  private readonly token: string;
  private readonly apiServer: string;
  private readonly dataDir: string;
  private readonly podsDir: string;
  private readonly fetchFn: FetchLike;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;

  private state: AgentState = 'idle';
  /** container output not yet delivered to the API */
  private logLines: LogLine[] = [];
  /** the lines the beat under way carries: dropped from logLines once it is answered */
  private logsInFlight = 0;
  private readonly logStatusIntervalMs: number;
  private readonly pods = new Map<number, PodState>();
  /** per pod name, the tail of its disk operations: they run in order */
  private readonly diskOps = new Map<string, Promise<void>>();
  /** disk operations under way, for settled() */
  private readonly work = new Set<Promise<unknown>>();
  private beatTimer: TimerHandle | undefined;
  private transitionTimer: TimerHandle | undefined;
  private beatAbort: AbortController | undefined;
  private beatInFlight = false;
  /** a beat was asked for while one was on its way */
  private beatAgain = false;
  private partitioned = false;
  private failedBeats = 0;
  private apiReachable = false;
  private diskOk = true;
  private swept = false;

  constructor(options: NodeAgentOptions) {
    if (!options.nodeName) throw new RangeError('nodeName is required');
    if (!Number.isFinite(options.cpuCores) || options.cpuCores < 0) {
      throw new RangeError('cpuCores must be a number ≥ 0');
    }
    if (!Number.isFinite(options.heartbeatIntervalMs) || options.heartbeatIntervalMs <= 0) {
      throw new RangeError('heartbeatIntervalMs must be > 0');
    }
    this.nodeId = String(options.nodeId);
    this.nodeName = options.nodeName;
    this.nodeType = options.nodeType ?? 'worker';
    this.cpuCores = options.cpuCores;
    this.intervalMs = options.heartbeatIntervalMs;
    this.startDelayMs = options.containerStartDelayMs ?? DEFAULT_CONTAINER_START_DELAY_MS;
    this.requestTimeoutMs =
      options.requestTimeoutMs ?? Math.min(10_000, Math.max(2_000, options.heartbeatIntervalMs));
    this.apiServer = options.apiServer.replace(/\/+$/, '');
    this.heartbeatUrl = `${this.apiServer}/nodes/${encodeURIComponent(this.nodeId)}/heartbeat`;
    this.watchUrl = `${this.apiServer}/nodes/${encodeURIComponent(this.nodeId)}/watch`;
    this.watchEnabled = options.watchAssignments ?? false;
    this.logStatusIntervalMs = options.logStatusIntervalMs ?? 30_000;
    this.token = options.token;
    this.dataDir = options.dataDir;
    this.podsDir = join(options.dataDir, 'pods');
    this.fetchFn = options.fetch ?? httpFetch;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? stdoutLogger();
    let resolveDone!: (reason: AgentExitReason) => void;
    this.done = new Promise((resolve) => (resolveDone = resolve));
    this.resolveDone = resolveDone;
  }

  /** Starts heartbeating: at once, or after `firstBeatDelayMs` (fleets spread their agents). */
  async start(options: { firstBeatDelayMs?: number } = {}): Promise<void> {
    if (this.state !== 'idle') throw new Error(`agent ${this.nodeName} was already started`);
    this.state = 'running';
    this.logger.info(
      `${this.nodeName}: started as ${this.nodeType} node ${this.nodeId} (${this.cpuCores} cores, ` +
        `heartbeat every ${this.intervalMs} ms, API ${this.apiServer}, data ${this.dataDir})`,
    );
    try {
      await mkdir(this.podsDir, { recursive: true });
    } catch (error) {
      this.diskOk = false;
      this.logger.error(`${this.nodeName}: cannot create ${this.podsDir}: ${describeError(error)}`);
    }
    if (this.state !== 'running') return;
    const delay = options.firstBeatDelayMs ?? 0;
    if (delay > 0) this.scheduleBeat(delay);
    else this.beat();
  }

  /**
   * Stops the timers; with `lastHeartbeat`, first tells the API the node is
   * `terminating` (waiting at most 1 s for it). Pods' folders stay on disk.
   */
  async stop(options: { lastHeartbeat?: boolean } = {}): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') {
      await this.done;
      return;
    }
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    this.cancelTimers();
    this.beatAbort?.abort();
    this.watchAbort?.abort();
    if (options.lastHeartbeat && wasRunning) {
      if (this.partitioned) {
        this.logger.info(`${this.nodeName}: partitioned, so no last heartbeat`);
      } else {
        const result = await postJson(
          this.fetchFn,
          this.clock,
          this.heartbeatUrl,
          this.report(true),
          {
            bearer: this.token,
            timeoutMs: LAST_HEARTBEAT_TIMEOUT_MS,
          },
        );
        if (result.status < 200 || result.status >= 300) {
          this.logger.warn(`${this.nodeName}: last heartbeat not delivered (${failure(result)})`);
        }
      }
    }
    this.finish('stopped');
  }

  /** Simulated network partition: heartbeats stop, pods keep running. */
  partition(): void {
    if (this.partitioned) return;
    this.partitioned = true;
    this.watchAbort?.abort();
    this.logger.warn(`${this.nodeName}: partitioned, heartbeats suspended`);
  }

  heal(): void {
    if (!this.partitioned) return;
    this.partitioned = false;
    this.logger.info(`${this.nodeName}: partition healed, heartbeats resume`);
    this.beat();
  }

  /**
   * Converges on `pods`, the full set the node must run: starts the new ones, drops
   * those not listed, restarts those whose restart_count rose. The heartbeat answer
   * feeds it; any other channel that pushes assignments may call it too.
   */
  assignments(pods: readonly PodAssignment[]): void {
    this.converge(pods, []);
  }

  /**
   * Converges on an answer. With `wantedIds` (a server that sends changes only), `specs`
   * are the pods new or changed and `wantedIds` every pod to run; without it, `specs`
   * is the full set. Returns whether listed pods are still missing (their specs follow).
   */
  private converge(
    specs: readonly PodAssignment[],
    rejected: readonly RejectedPod[],
    wantedIds?: readonly number[],
  ): boolean {
    if (this.state === 'stopping' || this.state === 'stopped') return false;
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

  /** Resolves when the pods' folders are written or removed as last asked. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  podViews(): PodView[] {
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

  stats(): AgentStats {
    let runningPods = 0;
    for (const pod of this.pods.values()) if (podStatus(pod) === 'running') runningPods++;
    return {
      state: this.state,
      apiReachable: this.apiReachable,
      partitioned: this.partitioned,
      pods: this.pods.size,
      runningPods,
    };
  }

  // ── heartbeats ────────────────────────────────────────────────────────────

  /** Bound once: timers get this, not a fresh closure per beat. */
  private readonly onBeatTimer = (): void => {
    this.beatTimer = undefined;
    this.beat();
  };

  private readonly onTransitionTimer = (): void => {
    this.transitionTimer = undefined;
    this.runDueContainers();
  };

  /** Sends a heartbeat now; if one is on its way, right after it. */
  private beat(): void {
    if (this.state !== 'running') return;
    if (this.partitioned) {
      // Keep the timer going (it also keeps a lone agent's process alive), send nothing.
      this.scheduleBeat(jitteredIntervalMs(this.intervalMs, this.random));
      return;
    }
    if (this.beatInFlight) {
      this.beatAgain = true;
      return;
    }
    this.cancelBeatTimer();
    this.beatAgain = false;
    void this.exchange();
  }

  private async exchange(): Promise<void> {
    this.beatInFlight = true;
    const abort = new AbortController();
    this.beatAbort = abort;
    const result = await postJson(this.fetchFn, this.clock, this.heartbeatUrl, this.report(false), {
      bearer: this.token,
      timeoutMs: this.requestTimeoutMs,
      abort,
    });
    try {
      // Still "in flight" while the answer is applied: a beat asked for meanwhile (a pod
      // failing at once) waits for the full pod set and goes out right after.
      if (this.state === 'running') this.handleAnswer(result);
    } catch (error) {
      // A bug here must not stop the heartbeats.
      this.logger.error(
        `${this.nodeName}: heartbeat answer handling failed: ${describeError(error)}`,
      );
      this.scheduleBeat(jitteredIntervalMs(this.intervalMs, this.random));
    } finally {
      this.beatInFlight = false;
      this.beatAbort = undefined;
    }
  }

  private handleAnswer(result: HttpResult): void {
    switch (result.status) {
      case 401:
        this.logger.error(
          `${this.nodeName}: heartbeat refused: token not accepted (401); stopping`,
        );
        return this.finish('unauthorized');
      case 404:
        this.logger.info(`${this.nodeName}: node no longer exists (404); stopping`);
        return this.finish('deleted');
      case 410:
        this.logger.info(`${this.nodeName}: API asked the node to terminate (410); stopping`);
        return this.finish('terminated');
    }
    if (result.status === 400 && !this.legacyServer && result.body.includes('pods_version')) {
      // a server of an older release: it answers every pod in full, without this field
      this.legacyServer = true;
      this.logger.info(`${this.nodeName}: the API takes no pods_version; full answers from now`);
      return this.scheduleBeat(0);
    }
    if (result.status < 200 || result.status >= 300) return this.retryLater(result);
    this.markReachable();
    this.logLines.splice(0, this.logsInFlight);
    this.logsInFlight = 0;
    const answer = parseHeartbeatResponse(result.body);
    if (!answer.ok) {
      this.logger.warn(`${this.nodeName}: ignored a malformed heartbeat answer (${answer.reason})`);
      return this.scheduleBeat(jitteredIntervalMs(this.intervalMs, this.random));
    }
    if (answer.value.terminate) {
      this.logger.info(`${this.nodeName}: API asked the node to terminate; stopping`);
      return this.finish('terminated');
    }
    const { pods, rejected, pod_ids: podIds } = answer.value;
    const missing = this.converge(pods, rejected, podIds);
    if (answer.value.pods_version !== undefined) this.podsVersion = answer.value.pods_version;
    this.startWatch();
    this.sweepStalePodDirs();
    // pods still to come (the answer had to stop at its size budget): ask again at once,
    // as long as answers bring something
    const more = missing && pods.length + rejected.length > 0;
    this.scheduleBeat(
      this.beatAgain || more ? 0 : jitteredIntervalMs(this.intervalMs, this.random),
    );
  }

  private retryLater(result: HttpResult): void {
    this.failedBeats++;
    this.apiReachable = false;
    // One line per outage, not one per retry.
    if (this.failedBeats === 1) {
      const what =
        result.status === 0 || result.status >= 500 ? 'API unreachable' : 'heartbeat refused';
      this.logger.warn(`${this.nodeName}: ${what} (${failure(result)}); retrying with backoff`);
    }
    this.scheduleBeat(backoffDelayMs(this.failedBeats, this.intervalMs, this.random));
  }

  private markReachable(): void {
    if (this.failedBeats > 0) {
      this.logger.info(
        `${this.nodeName}: API reachable again after ${this.failedBeats} failed heartbeats`,
      );
    }
    this.failedBeats = 0;
    this.apiReachable = true;
  }

  private report(terminating: boolean): HeartbeatRequest {
    let usage = 0;
    let memoryUsage = 0;
    const podIds: number[] = [];
    const pods: PodReport[] = [];
    for (const pod of this.pods.values()) {
      podIds.push(pod.id);
      const now = this.clock.now();
      const running = pod.containers.map((c) => !terminating && c.status === 'running');
      const cpus = pod.cpuProfile
        ? splitUsage(
            usageAt(pod.cpuProfile, now - pod.addedAt),
            pod.containers.map((c) => c.cpuReq),
            running,
          )
        : pod.containers.map((c, i) => (running[i] ? simulatedCpuUsage(c.cpuReq, this.random) : 0));
      const memories = pod.memoryProfile
        ? splitUsage(
            usageAt(pod.memoryProfile, now - pod.addedAt),
            pod.containers.map((c) => c.memoryReq),
            running,
          )
        : pod.containers.map((c, i) =>
            running[i] ? simulatedMemoryUsage(c.memoryReq, this.random) : 0,
          );
      const containers = pod.containers.map((c, i) => {
        // no container uses more than its node has, whatever its annotation asks
        const cpu = round3(Math.min(cpus[i], this.cpuCores));
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
            report.started_at = this.iso(c.startedAt);
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
      pods.push(report);
    }
    // the node cannot use more than it has, however its containers' noise adds up
    usage = round3(Math.min(usage, this.cpuCores));
    return {
      pod_ids: podIds,
      cpu_usage: usage,
      memory_usage: round3(Math.min(memoryUsage, MAX_MEMORY_USAGE_MIB)),
      cpu_cores_avail: round3(Math.max(0, this.cpuCores - usage)),
      health_status: terminating ? 'terminating' : this.diskOk ? 'healthy' : 'unhealthy',
      // A node that cannot write its pods' files should not be given more.
      components: componentsFor(this.nodeType, this.diskOk ? 'running' : 'degraded'),
      pods,
      ...(this.logLines.length && !terminating ? { logs: this.takeLogs() } : {}),
      // what the agent holds, so the answer carries only what changed since
      ...(this.legacyServer ? {} : { pods_version: Math.max(0, this.podsVersion) }),
    };
  }

  private scheduleBeat(delayMs: number): void {
    this.cancelBeatTimer();
    this.beatTimer = this.clock.setTimeout(this.onBeatTimer, delayMs);
  }

  private cancelBeatTimer(): void {
    if (this.beatTimer === undefined) return;
    this.clock.clearTimeout(this.beatTimer);
    this.beatTimer = undefined;
  }

  private cancelTimers(): void {
    this.cancelBeatTimer();
    if (this.transitionTimer !== undefined) this.clock.clearTimeout(this.transitionTimer);
    this.transitionTimer = undefined;
  }

  private finish(reason: AgentExitReason): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.cancelTimers();
    this.beatAbort?.abort();
    this.watchAbort?.abort();
    this.logger.info(`${this.nodeName}: stopped (${reason})`);
    this.resolveDone(reason);
  }

  // ── the assignment watch ──────────────────────────────────────────────────

  /** Keeps one long poll open while the agent runs; the heartbeat restarts it after an error. */
  private startWatch(): void {
    if (!this.watchEnabled || this.watching || this.state !== 'running' || this.podsVersion < 0)
      return;
    this.watching = true;
    void this.watchLoop();
  }

  private async watchLoop(): Promise<void> {
    try {
      while (this.state === 'running' && !this.partitioned) {
        const abort = new AbortController();
        this.watchAbort = abort;
        const result = await postJson(
          this.fetchFn,
          this.clock,
          this.watchUrl,
          {
            pods_version: this.podsVersion,
            timeout_ms: WATCH_TIMEOUT_MS,
            ...(this.legacyServer ? {} : { pod_ids: [...this.pods.keys()] }),
          },
          { bearer: this.token, timeoutMs: WATCH_TIMEOUT_MS + 5_000, abort },
        );
        if (this.state !== 'running' || this.partitioned) return;
        const answer = result.status === 200 ? parseWatchResponse(result.body) : null;
        // anything else (an older server, 401, 5xx, no network) is the heartbeat's business
        if (!answer?.ok) return;
        let missing = false;
        if (answer.value.changed && answer.value.pods) {
          missing = this.converge(answer.value.pods, answer.value.rejected, answer.value.pod_ids);
        }
        this.podsVersion = answer.value.pods_version;
        // the rest of a large change comes with the next heartbeat, right away
        if (missing) this.beatSoon();
      }
    } catch (error) {
      this.logger.warn(`${this.nodeName}: assignment watch stopped: ${describeError(error)}`);
    } finally {
      this.watching = false;
      this.watchAbort = undefined;
    }
  }

  // ── pods ──────────────────────────────────────────────────────────────────

  private addPod(spec: PodAssignment): void {
    const pod: PodState = {
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
      readyAt: this.clock.now() + this.startDelayMs,
      materialised: false,
      failed: false,
      addedAt: this.clock.now(),
      ...lifecycleOf(spec),
    };
    this.pods.set(pod.id, pod);
    this.materialise(pod, spec);
  }

  private materialise(pod: PodState, spec: PodAssignment): void {
    const problem = podFilesProblem(spec);
    if (problem) return this.failPod(pod, problem);
    this.onDisk(podDirName(pod), async () => {
      if (this.pods.get(pod.id) !== pod) return; // dropped before its turn
      try {
        await materialisePod(join(this.podsDir, podDirName(pod)), spec);
        this.diskOk = true;
      } catch (error) {
        this.diskOk = false;
        if (this.pods.get(pod.id) === pod)
          this.failPod(pod, `cannot write its files: ${describeError(error)}`);
        return;
      }
      if (this.pods.get(pod.id) !== pod) return;
      pod.materialised = true;
      this.scheduleTransitions();
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
    pod.readyAt = this.clock.now() + this.startDelayMs;
    if (pod.failed) {
      // A restart is also the way to retry a pod whose files could not be written.
      pod.failed = false;
      pod.reason = undefined;
      pod.materialised = false;
      this.materialise(pod, spec);
    }
  }

  /** A pod whose spec the agent cannot read: held as failed, so the API learns why. */
  private addUnreadablePod(bad: RejectedPod): PodState {
    const pod: PodState = {
      id: bad.id,
      name: bad.name,
      restartSeen: 0,
      containers: [],
      env: {},
      readyAt: this.clock.now(),
      materialised: false,
      failed: false,
      unreadable: true,
      restartPolicy: 'Always',
      backoff: KUBELET_BACKOFF,
      readyAfterMs: 0,
      addedAt: this.clock.now(),
    };
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
    this.beatSoon();
  }

  private dropPod(pod: PodState): void {
    this.pods.delete(pod.id);
    this.logger.info(`${this.nodeName}: pod ${pod.name} (id ${pod.id}) dropped`);
    if (isSafeFileName(pod.name))
      this.onDisk(podDirName(pod), () => removePodDir(join(this.podsDir, podDirName(pod))));
  }

  /** One timer for the whole node: set for the earliest pod whose containers may run. */
  private scheduleTransitions(): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
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
    if (started) this.beatSoon();
  }

  private startContainer(c: ContainerState, now: number, pod?: PodState): void {
    c.status = 'running';
    c.startedAt = now;
    c.dueAt = c.plan ? now + c.plan.runSeconds * 1000 : Infinity;
    c.statusAt = now + this.logStatusIntervalMs;
    if (pod) {
      this.print(
        pod,
        c,
        now,
        `starting ${c.image || 'container'} (container ${c.name} of pod ${pod.name})`,
      );
      this.print(pod, c, now, c.plan ? `running for ${c.plan.runSeconds}s` : 'ready: serving');
    }
  }

  /** A line the container prints; the next beat delivers it. */
  private print(pod: PodState, c: ContainerState, at: number, text: string): void {
    this.logLines.push({ pod_id: pod.id, container: c.name, at: this.iso(at), text });
    // a full pipe drops the oldest lines not yet sent
    if (this.logLines.length > MAX_LOG_LINES * 4) {
      const drop = this.logLines.length - MAX_LOG_LINES * 4;
      this.logLines.splice(0, drop);
      this.logsInFlight = Math.max(0, this.logsInFlight - drop);
    }
  }

  private takeLogs(): LogLine[] {
    this.logsInFlight = Math.min(this.logLines.length, MAX_LOG_LINES);
    return this.logLines.slice(0, this.logsInFlight);
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
        c.statusAt += this.logStatusIntervalMs;
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
          started_at: this.iso(c.startedAt),
          finished_at: this.iso(now),
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

  /** when runDueContainers last ran (clock ms) */
  private lastAdvance: number | undefined;

  private iso(clockMs: number): string {
    // the clock may be a test's: wall time of that instant, as now minus the gap
    return new Date(Date.now() - (this.clock.now() - clockMs)).toISOString();
  }

  private beatSoon(): void {
    if (this.failedBeats === 0) this.beat();
  }

  /** Once, after the first answer: folders of pods this node no longer runs (left from an earlier run). */
  private sweepStalePodDirs(): void {
    if (this.swept) return;
    this.swept = true;
    this.track(
      readdir(this.podsDir).then(
        (entries) => {
          const known = new Set<string>();
          for (const pod of this.pods.values()) known.add(podDirName(pod));
          for (const entry of entries) {
            if (!known.has(entry))
              this.onDisk(entry, () => removePodDir(join(this.podsDir, entry)));
          }
        },
        () => undefined, // no folder, nothing to sweep
      ),
    );
  }

  /** Runs `op` after the earlier disk operations of the same pod folder. */
  private onDisk(podName: string, op: () => Promise<void>): void {
    const previous = this.diskOps.get(podName) ?? Promise.resolve();
    const next = previous.then(op).catch((error: unknown) => {
      this.diskOk = false;
      this.logger.error(
        `${this.nodeName}: disk operation on pod ${podName} failed: ${describeError(error)}`,
      );
    });
    this.diskOps.set(podName, next);
    this.track(
      next.then(() => {
        if (this.diskOps.get(podName) === next) this.diskOps.delete(podName);
      }),
    );
  }

  private track(work: Promise<unknown>): void {
    this.work.add(work);
    const remove = (): void => {
      this.work.delete(work);
    };
    work.then(remove, remove);
  }
}

/** Why a pod whose containers ended failed: the first that did not exit 0. */
function exitedReason(pod: PodState): string {
  const bad = pod.containers.find((c) => c.lastEnd && c.lastEnd.exit_code !== 0);
  return bad ? `container ${bad.name} exited with code ${bad.lastEnd!.exit_code}` : 'failed';
}

function failure(result: HttpResult): string {
  return result.error ?? `HTTP ${result.status}`;
}
