import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { BindingsRepository } from '../database/bindings.repository';
import { SettingsRepository } from '../database/settings.repository';
import { DISRUPTION_SETTING } from '../database/settings.repository';
import { DATABASE_URL } from '../database/database.module';
import { NodeRecord } from '../database/records';
import { AgentExit, NODE_RUNTIME, NodeRuntime } from '../runtimes/node-runtime';
import { takeOverNodes } from '../runtimes/runtime-handover';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { HeartbeatFlusher } from '../nodes/heartbeat-flusher';
import { NodesService } from '../nodes/nodes.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { LeaderLock } from '../database/leader-lock';
import { noExecuteDeadline } from '../scheduler/strategies/taints';
import { Taint } from '../scheduler/strategies/types';
import { decideHealth, MonitorTimings, restartDelayMs, silentMs } from './node-health';

const TICK = 'kubesim-health-monitor';
/** the allocation invariant is rechecked every this many ticks */
const INVARIANT_EVERY = 10;
/** a pod on this many nodes just before each failed is taken as their cause */
const POISON_NODES = 2;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * The control loops: detect silent nodes, evict and reschedule their pods, restart
 * their agents with backoff, retry pending pods, and keep the allocation invariant.
 * Each step is a method of `runOnce(now)`, which tests call with their own clock.
 */
@Injectable()
export class HealthMonitorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthMonitorService.name);
  private readonly timings: MonitorTimings;
  private readonly lock: LeaderLock;
  private ticking = false;
  private ticks = 0;
  private tickAttempts = 0;
  /** no node is declared failed before this time: after boot, or after losing the database */
  private graceUntil: number;
  private databaseWasDown = false;
  private readonly exits: AgentExit[] = [];
  /** every watched node fell silent at once: eviction and restarts wait until one beats */
  private disruption: { since: number; nodes: number } | null = null;
  /** after a disruption, the other nodes get this long to beat again before eviction resumes */
  private evictionHoldUntil = 0;
  /** what was last written for GET /cluster to read (undefined: nothing yet) */
  private publishedDisruption: string | undefined;
  /** failed nodes whose failure has a known cause (injected, or seen through the runtime) */
  private readonly knownFailures = new Set<number>();
  /** per pod, the nodes it was on when they failed (not by injection or in a disruption) */
  private readonly podFailures = new Map<
    number,
    Array<{ nodeId: number; nodeName: string; at: number }>
  >();

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly bindings: BindingsRepository,
    private readonly settingsRepository: SettingsRepository,
    private readonly scheduler: SchedulerService,
    private readonly nodes: NodesService,
    private readonly heartbeats: HeartbeatFlusher,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    private readonly registry: SchedulerRegistry,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.timings = config;
    this.lock = new LeaderLock(databaseUrl);
    this.graceUntil = 0;
    this.startGrace(Date.now());
    this.runtime.onUnexpectedExit((exit) => this.exits.push(exit));
  }

  /** Nothing is declared failed for one full timeout from `now` (boot, database back). */
  startGrace(now: number): void {
    this.graceUntil = now + this.config.nodeFailureTimeoutMs;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.loopsEnabled) return;
    await this.reconcileRuntime();
    const handle = setInterval(() => void this.tick(), this.config.monitorIntervalMs);
    this.registry.addInterval(TICK, handle);
  }

  /** Before the HTTP server stops, so the agents' last heartbeats are still answered. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', TICK)) this.registry.deleteInterval(TICK);
    // a tick under way finishes before the database goes
    for (let waited = 0; this.ticking && waited < 10000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.lock.release();
    await this.runtime.shutdown();
  }

  /** Agents of this runtime that should be running get one (after a server restart). */
  private async reconcileRuntime(): Promise<void> {
    if (!this.runtime.manages || !this.runtime.reconcile) return;
    try {
      const all = await this.nodesRepository.allNodes();
      // nodes a server with another RUNTIME started are this runtime's now
      const movedFrom = await takeOverNodes(
        all,
        this.runtime,
        { nodes: this.nodesRepository, settings: this.settingsRepository },
        this.logger,
      );
      const nodes = all.filter((n) => n.runtime === this.runtime.kind);
      await this.runtime.reconcile(
        nodes.map((n) => ({ id: n.id, name: n.name, status: n.health_status })),
        async (id) => {
          const node = nodes.find((n) => n.id === id)!;
          const from = movedFrom.get(id);
          await this.nodes.relaunch(
            node,
            from
              ? `it was started by the ${from} runtime, and the server now runs agents as ${this.runtime.kind}`
              : 'its agent was not running when the server started',
            node.recovery_attempts,
          );
        },
      );
    } catch (err) {
      this.logger.warn(
        `could not reconcile the ${this.runtime.kind} runtime: ${(err as Error).message}`,
      );
    }
  }

  /** One scheduled tick: skipped while the last one runs, never throws. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    this.tickAttempts++;
    try {
      const wasLeader = this.lock.isLeader;
      if (!(await this.lock.acquire())) {
        if (this.lock.unreachable) this.noteDatabaseDown();
        return;
      }
      if (this.databaseWasDown) {
        // heartbeats could not be written meanwhile: every node gets a full timeout again,
        // from before this tick judges anyone
        this.databaseWasDown = false;
        this.startGrace(Date.now());
        this.logger.log('database back: the loops resume after one timeout of grace');
      } else if (!wasLeader && this.tickAttempts > 1) {
        // a replica that takes over from another gives every node a full timeout first
        this.startGrace(Date.now());
      }
      await this.runOnce(new Date());
    } catch (err) {
      if (isDatabaseUnavailable(err)) this.noteDatabaseDown();
      else this.logger.error(`monitor tick failed: ${(err as Error).stack ?? err}`);
    } finally {
      this.ticking = false;
    }
  }

  private noteDatabaseDown(): void {
    if (!this.databaseWasDown) this.logger.warn('database unavailable: the control loops pause');
    this.databaseWasDown = true;
  }

  async runOnce(now: Date): Promise<void> {
    this.ticks++;
    // heartbeats this process holds in memory are written before silence is judged;
    // if they cannot be, the database is down and the tick stops here (and says so)
    await this.heartbeats.flush();
    await this.detect(now);
    await this.evict(now);
    await this.evictUntolerated(now);
    await this.recover(now);
    await this.scheduler.retryPending();
    if (this.ticks % INVARIANT_EVERY === 0) await this.checkAllocations();
  }

  /**
   * Silent nodes become not_ready, then failed; dead ones fail at once; restarted ones that
   * stay silent use up an attempt. When every watched node is silent at once the nodes are
   * still judged, but eviction and restarts wait (see `judgeDisruption`).
   */
  async detect(now: Date): Promise<void> {
    const t = now.getTime();
    const nodes = await this.nodesRepository.nodesInStatus([
      'healthy',
      'not_ready',
      'pending',
      'recovering',
    ]);
    // an agent the runtime saw die is failed whatever the grace: that is no stale heartbeat
    for (const exit of this.exits.splice(0)) {
      const node = nodes.find((n) => n.id === exit.nodeId && n.health_status !== 'recovering');
      if (!node) continue;
      await this.markFailed(
        node,
        `its agent ${exit.detail}`,
        silentMs(node, t),
        now,
        exit.fromOutside ? 'killed' : 'exit',
      );
      node.health_status = 'failed';
    }
    const judged = nodes.filter((n) => n.health_status !== 'failed');
    for (const node of judged) {
      if (node.health_status === 'healthy') this.knownFailures.delete(node.id);
    }
    if (t < this.graceUntil) return this.publishDisruption();

    await this.judgeDisruption(judged, t);
    for (const node of judged) {
      const verdict = decideHealth(node, t, this.timings);
      if (verdict.action === 'not-ready') {
        const changed = await this.nodesRepository.setNodeStatus(node.id, 'not_ready', {
          from: ['healthy'],
          silentSince: node.last_heartbeat_at,
        });
        if (changed) {
          await this.events.record(
            'Warning',
            'NodeNotReady',
            `node/${node.name}`,
            `Node ${node.name} is not ready: missed ${Math.floor(verdict.silentMs / this.config.heartbeatIntervalMs)} heartbeats (silent ${seconds(verdict.silentMs)}), takes no new pods`,
          );
        }
      } else if (verdict.action === 'fail') {
        const injected = this.injectedFailure(node);
        await this.markFailed(
          node,
          `no heartbeat for ${seconds(verdict.silentMs)}${injected ? ' (failure injected)' : ''}`,
          verdict.silentMs,
          now,
          injected ? 'injected' : 'silence',
        );
      } else if (verdict.action === 'attempt-failed' && !this.disruption) {
        // (while the whole cluster is silent, a restarted agent may just not get through either)
        await this.attemptFailed(node, verdict.permanently, now);
      }
    }
  }

  /** Whether a failure was injected into the node (simulate/failure) and it has not beaten since. */
  private injectedFailure(node: NodeRecord): boolean {
    const at = this.nodes.failureInjectedAt(node.id);
    if (at === undefined) return false;
    const last = node.last_heartbeat_at ? new Date(node.last_heartbeat_at).getTime() : 0;
    // a beat already on its way when the failure was injected still lands
    return last <= at + this.config.heartbeatIntervalMs;
  }

  /**
   * Every watched node silent at once, none of them for a known cause: the control plane is
   * more likely cut off than the whole cluster dead (as Kubernetes' node lifecycle controller
   * reasons). The nodes still turn not_ready and failed; only eviction and restarts wait,
   * until any node beats again.
   */
  private async judgeDisruption(nodes: NodeRecord[], t: number): Promise<void> {
    const lastBeat = (n: NodeRecord) =>
      n.last_heartbeat_at ? new Date(n.last_heartbeat_at).getTime() : 0;
    if (this.disruption) {
      const since = this.disruption.since;
      const back = nodes.find((n) => lastBeat(n) > since);
      if (back) {
        this.disruption = null;
        this.evictionHoldUntil = t + this.config.nodeNotReadyAfterMs;
        await this.events.record(
          'Normal',
          'ClusterDisruptionEnded',
          'cluster/kubesim',
          `Node ${back.name} sent a heartbeat again after ${seconds(lastBeat(back) - since)} of cluster-wide silence: eviction and restarts resume`,
        );
      }
    }
    if (!this.disruption) {
      const watched = nodes.filter(
        (n) =>
          (n.health_status === 'healthy' || n.health_status === 'not_ready') &&
          !this.injectedFailure(n),
      );
      if (
        watched.length >= 2 &&
        watched.every((n) => silentMs(n, t) > this.config.nodeNotReadyAfterMs)
      ) {
        this.disruption = { since: Math.max(...watched.map(lastBeat)), nodes: watched.length };
        await this.events.record(
          'Warning',
          'ClusterDisrupted',
          'cluster/kubesim',
          `All ${watched.length} nodes stopped sending heartbeats at once: suspecting the control plane's own connectivity. They are marked not ready and failed as usual, but no pod is evicted and no node restarted until one answers`,
        );
      }
    }
    await this.publishDisruption();
  }

  /** GET /cluster (on any replica) reads the disruption from the settings table. */
  private async publishDisruption(): Promise<void> {
    const value = JSON.stringify(
      this.disruption
        ? {
            active: true,
            since: new Date(this.disruption.since).toISOString(),
            reason: `all ${this.disruption.nodes} nodes stopped sending heartbeats at once`,
          }
        : { active: false, since: null, reason: null },
    );
    if (value === this.publishedDisruption) return;
    await this.settingsRepository.putSetting(DISRUPTION_SETTING, value);
    this.publishedDisruption = value;
  }

  /** Whether the failure of this node waits for the cluster-wide silence to end. */
  private paused(node: NodeRecord, t: number): boolean {
    if (this.knownFailures.has(node.id)) return false;
    return this.disruption !== null || t < this.evictionHoldUntil;
  }

  private async markFailed(
    node: NodeRecord,
    why: string,
    silent: number,
    now: Date,
    /** silence; the agent ended by itself; killed from outside; a failure injected by the API */
    cause: 'silence' | 'exit' | 'killed' | 'injected',
  ): Promise<void> {
    const manages = this.runtime.manages && node.runtime === this.runtime.kind;
    const permanently = manages && this.config.maxRecoveryAttempts === 0;
    const changed = await this.nodesRepository.setNodeStatus(
      node.id,
      permanently ? 'permanently_failed' : 'failed',
      {
        from: [node.health_status],
        recoveryAttempts: 0,
        ...(cause === 'silence' || cause === 'injected'
          ? { silentSince: node.last_heartbeat_at }
          : {}),
        nextRecoveryAt: manages
          ? new Date(now.getTime() + restartDelayMs(1, this.config.recoveryBackoffMs))
          : null,
      },
    );
    if (!changed) return;
    if (cause === 'silence') this.knownFailures.delete(node.id);
    else this.knownFailures.add(node.id);
    // a failure the pods may have caused is remembered, to stop a cascade: not one a person
    // caused (injected, or a signal from outside), nor one of a cluster-wide silence
    if ((cause === 'silence' || cause === 'exit') && !this.disruption)
      await this.notePodsOnFailedNode(node, now);
    this.metrics.nodeFailures.inc();
    if (node.last_heartbeat_at) this.metrics.detectionDelaySeconds.observe(silent / 1000);
    await this.events.record(
      'Warning',
      'NodeFailed',
      `node/${node.name}`,
      `Node ${node.name} failed: ${why}${cause === 'silence' && this.disruption ? '; the whole cluster is silent, so its pods stay and it is not restarted until a node answers' : ''}`,
    );
    if (permanently) await this.giveUp(node);
  }

  private async attemptFailed(node: NodeRecord, permanently: boolean, now: Date): Promise<void> {
    if (permanently) {
      const changed = await this.nodesRepository.setNodeStatus(node.id, 'permanently_failed', {
        from: ['recovering'],
        nextRecoveryAt: null,
      });
      if (changed) await this.giveUp(node);
      return;
    }
    const next = new Date(
      now.getTime() + restartDelayMs(node.recovery_attempts + 1, this.config.recoveryBackoffMs),
    );
    const changed = await this.nodesRepository.setNodeStatus(node.id, 'failed', {
      from: ['recovering'],
      nextRecoveryAt: next,
    });
    if (changed) {
      await this.events.record(
        'Warning',
        'NodeFailed',
        `node/${node.name}`,
        `Node ${node.name} still silent after restart ${node.recovery_attempts}/${this.config.maxRecoveryAttempts}; next try in ${seconds(next.getTime() - now.getTime())}`,
      );
    }
  }

  private async giveUp(node: NodeRecord): Promise<void> {
    await this.events.record(
      'Warning',
      'NodePermanentlyFailed',
      `node/${node.name}`,
      `Node ${node.name} did not come back after ${this.config.maxRecoveryAttempts} restarts: its agent is stopped`,
    );
    await this.runtime
      .stop(node)
      .catch((err) => this.logger.warn(`stopping ${node.name}: ${(err as Error).message}`));
  }

  /**
   * Pods of failed nodes go back through the scheduler (after POD_EVICTION_DELAY_MS); a
   * DaemonSet's pods stay on their node, as in Kubernetes.
   */
  async evict(now: Date): Promise<void> {
    const failed = await this.nodesRepository.nodesInStatus([
      'failed',
      'permanently_failed',
      'recovering',
    ]);
    for (const node of failed) {
      if ((node.pod_count ?? 1) === 0) continue;
      if (this.paused(node, now.getTime())) continue;
      const failedFor = now.getTime() - new Date(node.status_changed_at).getTime();
      // (failedFor may be a little negative: the status changed after this tick began)
      const delay = this.config.podEvictionDelayMs;
      if (
        delay > 0 &&
        node.health_status === 'failed' &&
        node.recovery_attempts === 0 &&
        failedFor < delay
      ) {
        continue;
      }
      const { moved, pending, failed } = await this.scheduler.evictAndReschedule(
        node,
        `node ${node.health_status}`,
        this.poisonedPods(now.getTime()),
        undefined,
        true,
      );
      if (moved.length + pending.length + failed.length) {
        this.logger.log(
          `moved ${moved.length} pods off ${node.name}, ${pending.length} left pending, ${failed.length} failed as the likely cause`,
        );
      }
    }
  }

  /**
   * Pods on a node with a NoExecute taint they do not tolerate leave it, at once or after
   * their tolerationSeconds, through the same path as a failed node's pods: rescheduled
   * elsewhere (where the taint is not) or pending with the reason, with events.
   */
  async evictUntolerated(now: Date): Promise<void> {
    for (const node of await this.nodesRepository.nodesWithNoExecuteTaints()) {
      const due = new Map<number, Taint>();
      for (const pod of await this.podsRepository.podsForTaintEviction(node.id)) {
        const boundAt = pod.scheduledAt ? new Date(pod.scheduledAt).getTime() : now.getTime();
        const deadline = noExecuteDeadline(pod.scheduling, node.taints ?? [], boundAt);
        if (deadline && deadline.at <= now.getTime()) due.set(pod.id, deadline.taint);
      }
      if (!due.size) continue;
      const taint = [...due.values()][0];
      const { moved, pending } = await this.scheduler.evictAndReschedule(
        node,
        `taint {${taint.key}: ${taint.value ?? ''}}:NoExecute not tolerated`,
        new Map(),
        [...due.keys()],
      );
      this.logger.log(
        `NoExecute taint on ${node.name}: moved ${moved.length} pods, ${pending.length} left pending`,
      );
    }
  }

  /** Failed nodes whose backoff has passed get their agent restarted. */
  async recover(now: Date): Promise<void> {
    if (!this.runtime.manages) return;
    const failed = await this.nodesRepository.nodesInStatus(['failed']);
    for (const node of failed) {
      if (node.runtime !== this.runtime.kind) continue;
      if (this.paused(node, now.getTime())) continue;
      const verdict = decideHealth(node, now.getTime(), this.timings);
      if (verdict.action !== 'restart') continue;
      this.metrics.nodeRestarts.inc();
      try {
        await this.nodes.relaunch(
          node,
          `recovery attempt ${verdict.attempt}/${this.config.maxRecoveryAttempts}`,
          verdict.attempt,
          null,
        );
      } catch (err) {
        // the attempt counts: a restart that cannot even start is a failed one
        this.logger.warn(`restart of ${node.name} failed: ${(err as Error).message}`);
        await this.nodesRepository.setNodeStatus(node.id, 'recovering', {
          recoveryAttempts: verdict.attempt,
        });
      }
    }
  }

  /** How far apart two node failures may be for a pod on both to be taken as their cause. */
  private get poisonWindowMs(): number {
    return 3 * this.config.nodeFailureTimeoutMs + this.config.podEvictionDelayMs;
  }

  private async notePodsOnFailedNode(node: NodeRecord, now: Date): Promise<void> {
    const t = now.getTime();
    for (const [podId, seen] of this.podFailures) {
      const recent = seen.filter((f) => t - f.at <= this.poisonWindowMs);
      if (recent.length) this.podFailures.set(podId, recent);
      else this.podFailures.delete(podId);
    }
    for (const podId of await this.podsRepository.podIdsOfNode(node.id, undefined, true)) {
      const seen = this.podFailures.get(podId) ?? [];
      if (!seen.some((f) => f.nodeId === node.id))
        seen.push({ nodeId: node.id, nodeName: node.name, at: t });
      this.podFailures.set(podId, seen);
    }
  }

  /**
   * Pods that were on POISON_NODES different nodes just before each failed, within the
   * window: the likely cause, so they are failed rather than moved on to the next node.
   */
  private poisonedPods(t: number): Map<number, string> {
    const poisoned = new Map<number, string>();
    for (const [podId, seen] of this.podFailures) {
      const recent = seen.filter((f) => t - f.at <= this.poisonWindowMs);
      if (recent.length < POISON_NODES) continue;
      const names = recent.map((f) => f.nodeName);
      const span = Math.max(...recent.map((f) => f.at)) - Math.min(...recent.map((f) => f.at));
      poisoned.set(
        podId,
        `PodCausedNodeFailures: nodes ${names.join(' and ')} failed within ${seconds(span)} while it was on each`,
      );
    }
    return poisoned;
  }

  /** A node's allocated CPU must equal the sum of its pods'; repaired and reported if not. */
  async checkAllocations(): Promise<void> {
    const drifted = await this.bindings.repairAllocations();
    for (const d of drifted) {
      await this.events.record(
        'Warning',
        'AllocationRepaired',
        `node/${d.name}`,
        `Allocated CPU of ${d.name} was ${d.was / 1000} cores but its pods hold ${d.now / 1000}: repaired`,
      );
    }
  }
}
