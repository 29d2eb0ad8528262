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
import { DATABASE_URL } from '../database/database.module';
import { NODE_RUNTIME, NodeRuntime } from '../runtimes/node-runtime';
import { HeartbeatFlusher } from '../nodes/heartbeat-flusher';
import { SchedulerService } from '../scheduler/scheduler.service';
import { LeaderLock } from '../database/leader-lock';
import { AllocationInvariant } from './allocation-invariant';
import { NodeFailureDetector } from './node-failure-detector';
import { NodeRecovery } from './node-recovery';
import { PodEviction } from './pod-eviction';
import { RuntimeReconciler } from './runtime-reconciler';

const TICK = 'kubesim-health-monitor';
/** the allocation invariant is rechecked every this many ticks */
const INVARIANT_EVERY = 10;

/**
 * The control loops: detect silent nodes, evict and reschedule their pods, restart
 * their agents with backoff, retry pending pods, and keep the allocation invariant.
 * Each step is a class of its own; `runOnce(now)`, which tests call with their own clock,
 * runs them in turn, and the scheduled tick runs it on the replica that holds the lock.
 */
@Injectable()
export class HealthMonitorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HealthMonitorService.name);
  private readonly lock: LeaderLock;
  private ticking = false;
  private ticks = 0;
  private tickAttempts = 0;
  private databaseWasDown = false;

  constructor(
    private readonly detector: NodeFailureDetector,
    private readonly eviction: PodEviction,
    private readonly recovery: NodeRecovery,
    private readonly allocations: AllocationInvariant,
    private readonly reconciler: RuntimeReconciler,
    private readonly scheduler: SchedulerService,
    private readonly heartbeats: HeartbeatFlusher,
    private readonly registry: SchedulerRegistry,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.lock = new LeaderLock(databaseUrl);
  }

  /** Nothing is declared failed for one full timeout from `now` (boot, database back). */
  startGrace(now: number): void {
    this.detector.startGrace(now);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.loopsEnabled) return;
    await this.reconciler.reconcileRuntime();
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
    await this.detector.detect(now);
    await this.eviction.evict(now);
    await this.evictUntolerated(now);
    await this.recovery.recover(now);
    await this.scheduler.retryPending();
    if (this.ticks % INVARIANT_EVERY === 0) await this.allocations.checkAllocations();
  }

  /** Pods a NoExecute taint repels leave their node (one step of `runOnce`). */
  evictUntolerated(now: Date): Promise<void> {
    return this.eviction.evictUntolerated(now);
  }
}
