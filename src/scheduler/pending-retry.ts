import { Injectable, Logger } from '@nestjs/common';
import { BindingsRepository } from '../database/bindings.repository';
import { Database } from '../database/database';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { PodPlacer } from './pod-placer';
import { PlaceResult, PodToPlace, scheduledMessage } from './scheduling-decision';
import { SchedulerAlgorithm } from './strategies/types';

/** Binds pending pods once room may have appeared, oldest first, in locked batches. */
@Injectable()
export class PendingRetry {
  private readonly logger = new Logger(PendingRetry.name);
  private retrying: Promise<number> | null = null;
  private retryAgain = false;

  constructor(
    private readonly bindings: BindingsRepository,
    private readonly database: Database,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    private readonly placer: PodPlacer,
  ) {}

  /**
   * Tries to bind every pending pod, oldest first. Called whenever capacity may have
   * appeared and on every monitor tick; concurrent calls coalesce into one more pass.
   */
  retryPending(): Promise<number> {
    if (this.retrying) {
      this.retryAgain = true;
      return this.retrying;
    }
    this.retrying = (async () => {
      let total = 0;
      try {
        do {
          this.retryAgain = false;
          total += await this.retryPendingPass();
        } while (this.retryAgain);
      } catch (err) {
        this.logger.warn(`retrying pending pods failed: ${(err as Error).message}`);
      } finally {
        this.retrying = null;
      }
      return total;
    })();
    return this.retrying;
  }

  private async retryPendingPass(): Promise<number> {
    // the common case (a node's first beat, a freed pod) with nothing waiting: one read
    if (!(await this.bindings.hasPendingPods())) return 0;
    let bound = 0;
    const batch = 200;
    for (let offsetGuard = 0; offsetGuard < 100; offsetGuard++) {
      const { placed, seen } = await this.database
        .transaction(async (db) => {
          const pods = await this.bindings.lockPendingPods(db, batch);
          let placed = 0;
          const results: Array<{ pod: PodToPlace; result: PlaceResult }> = [];
          for (const pod of pods) {
            const result = await this.placer.place(
              db,
              pod,
              pod.algorithm as SchedulerAlgorithm | null,
              'retry',
            );
            if (result.bound) placed++;
            else await this.bindings.markPending(db, pod.id, result.reason);
            results.push({ pod, result });
          }
          return { placed, seen: pods.length, results };
        })
        .then(async (r) => {
          for (const { pod, result } of r.results) {
            if (result.bound) {
              await this.events.record(
                'Normal',
                'Scheduled',
                `pod/${pod.name}`,
                `${scheduledMessage(pod.name, result.nodeName)} (was pending)`,
              );
            }
          }
          return r;
        });
      bound += placed;
      // stop when nothing more could be placed or the queue is drained
      if (placed === 0 || seen < batch) break;
    }
    if (bound) this.metrics.podsScheduled.inc({ via: 'retry' }, bound);
    return bound;
  }
}
