/**
 * NodeAgent: one simulated kubesim node. It is only an API client: it heartbeats
 * (HeartbeatLoop), converges on the pod list each answer carries and simulates its pods'
 * containers (PodSimulator), keeps each pod's volumes and config on disk (PodDisk) and,
 * when asked, holds an assignment watch (AssignmentWatch). Thousands run in one process
 * for virtual fleets, so an agent holds two timers at most and no per-beat closures.
 */
import { join } from 'node:path';
import { AssignmentWatch, WatchAnswer } from './assignment-watch';
import { ContainerOutput } from './container-output';
import { GoneReason, HeartbeatAnswer, HeartbeatLoop } from './heartbeat-loop';
import { httpFetch } from './http-transport';
import { Logger, stdoutLogger } from './logger';
import { PodDisk } from './pod-disk';
import { reportPods, round3 } from './pod-report';
import { PodSimulator, PodView } from './pod-simulator';
import { Clock, FetchLike, Random, systemClock } from './runtime-deps';
import {
  ComponentStatus,
  HeartbeatRequest,
  MASTER_COMPONENTS,
  MAX_MEMORY_USAGE_MIB,
  NodeComponents,
  PodAssignment,
} from './wire';

export type { ContainerView, PodView } from './pod-simulator';

export type NodeType = 'worker' | 'master';

/** Why an agent stopped: `stopped` was asked for locally, the others came from the API. */
export type AgentExitReason = 'stopped' | GoneReason;

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

export interface AgentStats {
  state: AgentState;
  /** the last heartbeat got an answer */
  apiReachable: boolean;
  partitioned: boolean;
  pods: number;
  runningPods: number;
}

export const DEFAULT_CONTAINER_START_DELAY_MS = 50;

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

export class NodeAgent {
  /** Resolves once the agent has stopped, with the reason. */
  readonly done: Promise<AgentExitReason>;
  readonly nodeName: string;
  readonly nodeId: string;

  private readonly resolveDone: (reason: AgentExitReason) => void;
  private readonly nodeType: NodeType;
  private readonly cpuCores: number;
  private readonly intervalMs: number;
  private readonly apiServer: string;
  private readonly dataDir: string;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly logger: Logger;
  private readonly disk: PodDisk;
  private readonly output = new ContainerOutput();
  private readonly pods: PodSimulator;
  private readonly heartbeats: HeartbeatLoop;
  private readonly watch: AssignmentWatch | undefined;

  private state: AgentState = 'idle';
  /** the pods_version of the last pod set applied; -1 before the first answer */
  private podsVersion = -1;
  private partitioned = false;

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
    this.apiServer = options.apiServer.replace(/\/+$/, '');
    this.dataDir = options.dataDir;
    const fetch = options.fetch ?? httpFetch;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? stdoutLogger();
    const node = { nodeName: this.nodeName, clock: this.clock, logger: this.logger };
    this.disk = new PodDisk(join(options.dataDir, 'pods'), this.nodeName, this.logger);
    this.pods = new PodSimulator({
      ...node,
      startDelayMs: options.containerStartDelayMs ?? DEFAULT_CONTAINER_START_DELAY_MS,
      logStatusIntervalMs: options.logStatusIntervalMs ?? 30_000,
      disk: this.disk,
      output: this.output,
      onNews: () => this.heartbeats.soon(),
    });
    const nodeUrl = `${this.apiServer}/nodes/${encodeURIComponent(this.nodeId)}`;
    const client = { ...node, token: options.token, fetch };
    this.heartbeats = new HeartbeatLoop(
      {
        ...client,
        url: `${nodeUrl}/heartbeat`,
        intervalMs: this.intervalMs,
        requestTimeoutMs:
          options.requestTimeoutMs ??
          Math.min(10_000, Math.max(2_000, options.heartbeatIntervalMs)),
        random: this.random,
      },
      {
        running: () => this.state === 'running',
        partitioned: () => this.partitioned,
        report: () => this.report(false),
        delivered: () => this.output.delivered(),
        apply: (answer) => this.applyHeartbeatAnswer(answer),
        gone: (reason) => this.finish(reason),
      },
    );
    this.watch = options.watchAssignments
      ? new AssignmentWatch(
          { ...client, url: `${nodeUrl}/watch` },
          {
            open: () => this.state === 'running' && !this.partitioned,
            request: () => ({
              pods_version: this.podsVersion,
              ...(this.heartbeats.legacyServer ? {} : { pod_ids: this.pods.podIds() }),
            }),
            apply: (answer) => this.applyWatchAnswer(answer),
          },
        )
      : undefined;
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
    await this.disk.prepare();
    if (this.state !== 'running') return;
    const delay = options.firstBeatDelayMs ?? 0;
    if (delay > 0) this.heartbeats.beatIn(delay);
    else this.heartbeats.beat();
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
    this.halt();
    if (options.lastHeartbeat && wasRunning) {
      if (this.partitioned) {
        this.logger.info(`${this.nodeName}: partitioned, so no last heartbeat`);
      } else {
        await this.heartbeats.sendLast(this.report(true));
      }
    }
    this.finish('stopped');
  }

  /** Simulated network partition: heartbeats stop, pods keep running. */
  partition(): void {
    if (this.partitioned) return;
    this.partitioned = true;
    this.watch?.abort();
    this.logger.warn(`${this.nodeName}: partitioned, heartbeats suspended`);
  }

  heal(): void {
    if (!this.partitioned) return;
    this.partitioned = false;
    this.logger.info(`${this.nodeName}: partition healed, heartbeats resume`);
    this.heartbeats.beat();
  }

  /**
   * Converges on `pods`, the full set the node must run: starts the new ones, drops
   * those not listed, restarts those whose restart_count rose. The heartbeat answer
   * feeds it; any other channel that pushes assignments may call it too.
   */
  assignments(pods: readonly PodAssignment[]): void {
    this.pods.converge(pods, []);
  }

  /** Resolves when the pods' folders are written or removed as last asked. */
  settled(): Promise<void> {
    return this.disk.settled();
  }

  podViews(): PodView[] {
    return this.pods.views();
  }

  stats(): AgentStats {
    return {
      state: this.state,
      apiReachable: this.heartbeats.apiReachable,
      partitioned: this.partitioned,
      pods: this.pods.size,
      runningPods: this.pods.runningCount(),
    };
  }

  /** Returns whether to beat again at once: pods are still to come, and answers bring some. */
  private applyHeartbeatAnswer(answer: HeartbeatAnswer): boolean {
    const { pods, rejected, pod_ids: podIds } = answer;
    const missing = this.pods.converge(pods, rejected, podIds);
    if (answer.pods_version !== undefined) this.podsVersion = answer.pods_version;
    if (this.podsVersion >= 0) this.watch?.start();
    this.disk.sweepOnce(() => this.pods.held());
    // pods still to come (the answer had to stop at its size budget): ask again at once,
    // as long as answers bring something
    return missing && pods.length + rejected.length > 0;
  }

  private applyWatchAnswer(answer: WatchAnswer): void {
    let missing = false;
    if (answer.changed && answer.pods) {
      missing = this.pods.converge(answer.pods, answer.rejected, answer.pod_ids);
    }
    this.podsVersion = answer.pods_version;
    // the rest of a large change comes with the next heartbeat, right away
    if (missing) this.heartbeats.soon();
  }

  private report(terminating: boolean): HeartbeatRequest {
    const reported = reportPods(this.pods.held(), {
      cpuCores: this.cpuCores,
      terminating,
      clock: this.clock,
      random: this.random,
    });
    // the node cannot use more than it has, however its containers' noise adds up
    const usage = round3(Math.min(reported.cpuUsage, this.cpuCores));
    const diskOk = this.disk.ok;
    return {
      pod_ids: reported.podIds,
      cpu_usage: usage,
      memory_usage: round3(Math.min(reported.memoryUsage, MAX_MEMORY_USAGE_MIB)),
      cpu_cores_avail: round3(Math.max(0, this.cpuCores - usage)),
      health_status: terminating ? 'terminating' : diskOk ? 'healthy' : 'unhealthy',
      // A node that cannot write its pods' files should not be given more.
      components: componentsFor(this.nodeType, diskOk ? 'running' : 'degraded'),
      pods: reported.pods,
      ...(this.output.pending && !terminating ? { logs: this.output.take() } : {}),
      // what the agent holds, so the answer carries only what changed since
      ...(this.heartbeats.legacyServer ? {} : { pods_version: Math.max(0, this.podsVersion) }),
    };
  }

  /** No more timers, beats, polls or pod transitions. */
  private halt(): void {
    this.heartbeats.halt();
    this.pods.halt();
    this.watch?.abort();
  }

  private finish(reason: AgentExitReason): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.halt();
    this.logger.info(`${this.nodeName}: stopped (${reason})`);
    this.resolveDone(reason);
  }
}
