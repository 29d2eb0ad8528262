import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { isDatabaseUnavailable } from '../common/http-exception.filter';
import { ClusterStore } from '../database/cluster-store';
import { DATABASE_URL } from '../database/database.module';
import { NodeRecord } from '../database/records';
import { AgentExit, NODE_RUNTIME, NodeRuntime } from '../docker/node-runtime';
import { takeOverNodes } from '../docker/runtime-handover';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { HeartbeatService } from '../nodes/heartbeat.service';
import { NodesService } from '../nodes/nodes.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { LeaderLock } from './leader-lock';
import { decideHealth, MonitorTimings, restartDelayMs, silentMs } from './node-health';

const TICK = 'kubesim-health-monitor';
/** the allocation invariant is rechecked every this many ticks */
const INVARIANT_EVERY = 10;

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
  private readonly notReadyWarned = new Set<number>();
  private readonly exits: AgentExit[] = [];
  private disrupted = false;

  constructor(
    private readonly store: ClusterStore,
    private readonly scheduler: SchedulerService,
    private readonly nodes: NodesService,
    private readonly heartbeats: HeartbeatService,
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
      const all = await this.store.allNodes();
      // nodes a server with another RUNTIME started are this runtime's now
      const movedFrom = await takeOverNodes(all, this.runtime, this.store, this.logger);
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
    await this.recover(now);
    await this.scheduler.retryPending();
    if (this.ticks % INVARIANT_EVERY === 0) await this.checkAllocations();
  }

  /** Silent or dead nodes become failed; restarted ones that stay silent use up an attempt. */
  async detect(now: Date): Promise<void> {
    const t = now.getTime();
    const nodes = await this.store.nodesInStatus(['healthy', 'pending', 'recovering']);
    // an agent the runtime saw die is failed whatever the grace: that is no stale heartbeat
    for (const exit of this.exits.splice(0)) {
      const node = nodes.find((n) => n.id === exit.nodeId && n.health_status !== 'recovering');
      if (node) await this.markFailed(node, `its agent ${exit.detail}`, silentMs(node, t), now);
    }
    if (t < this.graceUntil) return;

    const verdicts = nodes.map((node) => ({ node, verdict: decideHealth(node, t, this.timings) }));
    const watched = nodes.filter((n) => n.health_status === 'healthy');
    const silentHealthy = verdicts.filter(
      (v) => v.node.health_status === 'healthy' && v.verdict.action === 'fail',
    );
    // every node silent at once: the control plane is more likely cut off than the whole cluster dead
    if (watched.length >= 2 && silentHealthy.length === watched.length) {
      if (!this.disrupted) {
        this.disrupted = true;
        await this.events.record(
          'Warning',
          'ClusterDisrupted',
          'cluster/kubesim',
          `All ${watched.length} nodes stopped sending heartbeats at once: suspecting the control plane's own connectivity, no node is failed or evicted until one answers`,
        );
      }
      return;
    }
    this.disrupted = false;

    for (const { node, verdict } of verdicts) {
      if (verdict.action === 'not-ready' && !this.notReadyWarned.has(node.id)) {
        this.notReadyWarned.add(node.id);
        await this.events.record(
          'Warning',
          'NodeNotReady',
          `node/${node.name}`,
          `Node ${node.name} missed ${Math.floor(verdict.silentMs / this.config.heartbeatIntervalMs)} heartbeats (silent ${seconds(verdict.silentMs)})`,
        );
      } else if (verdict.action === 'none' && node.health_status === 'healthy') {
        this.notReadyWarned.delete(node.id);
      } else if (verdict.action === 'fail') {
        await this.markFailed(
          node,
          `no heartbeat for ${seconds(verdict.silentMs)}`,
          verdict.silentMs,
          now,
        );
      } else if (verdict.action === 'attempt-failed') {
        await this.attemptFailed(node, verdict.permanently, now);
      }
    }
  }

  private async markFailed(
    node: NodeRecord,
    why: string,
    silent: number,
    now: Date,
  ): Promise<void> {
    const manages = this.runtime.manages && node.runtime === this.runtime.kind;
    const permanently = manages && this.config.maxRecoveryAttempts === 0;
    const changed = await this.store.setNodeStatus(
      node.id,
      permanently ? 'permanently_failed' : 'failed',
      {
        from: [node.health_status],
        recoveryAttempts: 0,
        nextRecoveryAt: manages
          ? new Date(now.getTime() + restartDelayMs(1, this.config.recoveryBackoffMs))
          : null,
      },
    );
    if (!changed) return;
    this.notReadyWarned.delete(node.id);
    this.metrics.nodeFailures.inc();
    if (node.last_heartbeat_at) this.metrics.detectionDelaySeconds.observe(silent / 1000);
    await this.events.record(
      'Warning',
      'NodeFailed',
      `node/${node.name}`,
      `Node ${node.name} failed: ${why}`,
    );
    if (permanently) await this.giveUp(node);
  }

  private async attemptFailed(node: NodeRecord, permanently: boolean, now: Date): Promise<void> {
    if (permanently) {
      const changed = await this.store.setNodeStatus(node.id, 'permanently_failed', {
        from: ['recovering'],
        nextRecoveryAt: null,
      });
      if (changed) await this.giveUp(node);
      return;
    }
    const next = new Date(
      now.getTime() + restartDelayMs(node.recovery_attempts + 1, this.config.recoveryBackoffMs),
    );
    const changed = await this.store.setNodeStatus(node.id, 'failed', {
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

  /** Pods of failed nodes go back through the scheduler (after POD_EVICTION_DELAY_MS). */
  async evict(now: Date): Promise<void> {
    if (this.disrupted) return;
    const failed = await this.store.nodesInStatus(['failed', 'permanently_failed', 'recovering']);
    for (const node of failed) {
      if ((node.pod_count ?? 1) === 0) continue;
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
      const { moved, pending } = await this.scheduler.evictAndReschedule(
        node,
        `node ${node.health_status}`,
      );
      if (moved.length + pending.length) {
        this.logger.log(
          `moved ${moved.length} pods off ${node.name}, ${pending.length} left pending`,
        );
      }
    }
  }

  /** Failed nodes whose backoff has passed get their agent restarted. */
  async recover(now: Date): Promise<void> {
    if (!this.runtime.manages) return;
    const failed = await this.store.nodesInStatus(['failed']);
    for (const node of failed) {
      if (node.runtime !== this.runtime.kind) continue;
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
        await this.store.setNodeStatus(node.id, 'recovering', {
          recoveryAttempts: verdict.attempt,
        });
      }
    }
  }

  /** A node's allocated CPU must equal the sum of its pods'; repaired and reported if not. */
  async checkAllocations(): Promise<void> {
    const drifted = await this.store.repairAllocations();
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
