import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DatabaseHealth } from '../database/database-health';
import { HeartbeatsRepository } from '../database/heartbeats.repository';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { HeartbeatBuffer } from './heartbeat-buffer';
import { HeartbeatCaches } from './heartbeat-caches';
import { RoutineBeats } from './routine-beats';

const TICK = 'kubesim-heartbeat-flush';

/**
 * Writes the buffered routine heartbeats in one statement: every monitor interval, before
 * the health monitor judges silence, and once more at shutdown. A node another process
 * changed meanwhile goes back to the full path.
 */
@Injectable()
export class HeartbeatFlusher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HeartbeatFlusher.name);
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly heartbeatsRepository: HeartbeatsRepository,
    private readonly buffer: HeartbeatBuffer,
    private readonly routine: RoutineBeats,
    private readonly caches: HeartbeatCaches,
    private readonly registry: SchedulerRegistry,
    private readonly databaseHealth: DatabaseHealth,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const handle = setInterval(() => void this.runOnce(), this.config.monitorIntervalMs);
    handle.unref();
    this.registry.addInterval(TICK, handle);
  }

  /** Before the HTTP server stops: what is buffered is written while the database is there. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', TICK)) this.registry.deleteInterval(TICK);
    await this.runOnce();
  }

  /**
   * One tick, as the interval runs it (tests call it too): writes what is buffered, and
   * never throws; what an unreachable database could not take waits for the next tick.
   * The beats carry the time they were recorded at, so a tick needs none of its own.
   */
  async runOnce(): Promise<void> {
    await this.flush().catch(() => undefined);
  }

  /**
   * Writes what is buffered; a flush under way is joined, not doubled. Rejects when the
   * database is unreachable (the beats stay buffered for the next one).
   */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.flushOnce().finally(() => (this.flushing = null));
    }
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const taken = this.buffer.take();
    if (!taken.size) return;
    try {
      const odd = await this.heartbeatsRepository.flushHeartbeats(
        [...taken].map(([nodeId, b]) => ({
          nodeId,
          at: b.at,
          beats: b.beats,
          cpuUsedM: b.cpuUsedM,
          // a node without a routine state any more gets -1, so it is answered in full
          podsVersion: this.routine.state(nodeId)?.version ?? -1,
        })),
      );
      this.databaseHealth.markUp();
      for (const row of odd) {
        // deleted meanwhile: forgotten; failed, stopped or its pods changed: the full path
        if (row.health_status === null) this.caches.forget(row.id);
        else this.routine.end(row.id);
      }
    } catch (err) {
      for (const nodeId of taken.keys()) this.routine.end(nodeId);
      if (!isDatabaseUnavailable(err)) {
        // a batch the database refuses would be refused forever: these beats are dropped
        // (their nodes' next beats go the full way), so one bad beat cannot jam the writes
        this.logger.error(`could not write ${taken.size} heartbeats: ${(err as Error).message}`);
        return;
      }
      this.buffer.restore(taken);
      this.databaseHealth.markDown();
      throw err;
    }
  }
}
