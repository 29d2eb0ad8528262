import { Injectable } from '@nestjs/common';
import { BoundPod, NewPod } from '../database/records';
import { Db } from '../database/sql';
import { GroupCommit } from './group-commit';
import { PendingRetry } from './pending-retry';
import { Eviction, PodEvictor } from './pod-evictor';
import { PodPlacer } from './pod-placer';
import { SchedulerAlgorithmSetting } from './scheduler-algorithm';
import { DecisionTrigger, PlaceResult, PodToPlace } from './scheduling-decision';
import { SchedulerAlgorithm } from './strategies/types';

/**
 * Places pods: the pure strategies rank the nodes, the database has the last word
 * (a conditional update under the node's row lock), so no node is ever overcommitted.
 * What the other modules call; each job is done by its own part.
 */
@Injectable()
export class SchedulerService {
  constructor(
    private readonly algorithm: SchedulerAlgorithmSetting,
    private readonly groupCommit: GroupCommit,
    private readonly placer: PodPlacer,
    private readonly evictor: PodEvictor,
    private readonly pendingRetry: PendingRetry,
  ) {}

  get activeAlgorithm(): SchedulerAlgorithm {
    return this.algorithm.current;
  }

  /** Another replica may have changed the algorithm: the database holds the truth. */
  refreshAlgorithm(): Promise<SchedulerAlgorithm> {
    return this.algorithm.refresh();
  }

  setAlgorithm(algorithm: SchedulerAlgorithm): Promise<void> {
    return this.algorithm.set(algorithm);
  }

  /**
   * The fast path of pod creation: joins the next group-commit batch. Null when no cached
   * node takes the pod: the caller then goes the careful way (`place`), which reads the
   * nodes from the database and stores the pod pending if nothing fits.
   */
  createBound(pod: NewPod): Promise<BoundPod | null> {
    return this.groupCommit.createBound(pod);
  }

  /**
   * Binds the pod to the best node that still has room, inside the caller's transaction,
   * and stores the decision (explained) in it too.
   */
  place(
    db: Db,
    pod: PodToPlace,
    algorithm: SchedulerAlgorithm | null | undefined,
    trigger: DecisionTrigger,
  ): Promise<PlaceResult> {
    return this.placer.place(db, pod, algorithm, trigger);
  }

  /** Moves every pod off a node that is failed, stopping or going away (see `PodEvictor`). */
  evictAndReschedule(...args: Parameters<PodEvictor['evictAndReschedule']>): Promise<Eviction> {
    return this.evictor.evictAndReschedule(...args);
  }

  /**
   * Tries to bind every pending pod, oldest first. Called whenever capacity may have
   * appeared and on every monitor tick; concurrent calls coalesce into one more pass.
   */
  retryPending(): Promise<number> {
    return this.pendingRetry.retryPending();
  }
}
