import { Injectable, Logger } from '@nestjs/common';
import { BindingsRepository } from '../database/bindings.repository';
import { Database } from '../database/database';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { PodPlacer } from './pod-placer';
import { scheduledMessage } from './scheduling-decision';
import { SchedulerAlgorithm } from './strategies/types';

/** pending pods read at a time */
const PAGE = 200;
/** pages a pass goes through at most */
const PAGES_PER_PASS = 100;

/** Binds pending pods once room may have appeared, oldest first, each pod locked on its own. */
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

  /**
   * Pending pods page by page, oldest first, each in a transaction of its own: one that
   * binds holds one node's row lock, never a second while waiting for it. A transaction
   * binding several pods took their nodes in the order it chose them, while a creation
   * batch takes its nodes in its own order: each could hold a node the other waited for,
   * and PostgreSQL (after a second) gave one up, or a third writer queued between them.
   */
  private async retryPendingPass(): Promise<number> {
    // the common case (a node's first beat, a freed pod) with nothing waiting: one read
    if (!(await this.bindings.hasPendingPods())) return 0;
    let bound = 0;
    let afterId = 0;
    for (let page = 0; page < PAGES_PER_PASS; page++) {
      const ids = await this.bindings.pendingPodIds(PAGE, afterId);
      let placed = 0;
      const recorded: Array<Promise<void>> = [];
      for (const id of ids) {
        const outcome = await this.database.transaction(async (db) => {
          const pod = await this.bindings.lockPendingPod(db, id);
          if (!pod) return null;
          const result = await this.placer.place(
            db,
            pod,
            pod.algorithm as SchedulerAlgorithm | null,
            'retry',
          );
          if (!result.bound) await this.bindings.markPending(db, pod.id, result.reason);
          return { pod, result };
        });
        if (!outcome?.result.bound) continue;
        placed++;
        recorded.push(
          this.events.record(
            'Normal',
            'Scheduled',
            `pod/${outcome.pod.name}`,
            `${scheduledMessage(outcome.pod.name, outcome.result.nodeName)} (was pending)`,
          ),
        );
      }
      await Promise.all(recorded);
      bound += placed;
      // stop when nothing more could be placed or the queue is drained
      if (placed === 0 || ids.length < PAGE) break;
      afterId = ids[ids.length - 1];
    }
    if (bound) this.metrics.podsScheduled.inc({ via: 'retry' }, bound);
    return bound;
  }
}
