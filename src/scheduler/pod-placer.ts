import { Injectable } from '@nestjs/common';
import { BindingsRepository } from '../database/bindings.repository';
import { DecisionsRepository } from '../database/decisions.repository';
import { Db } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';
import { RoundRobinCursor } from './round-robin-cursor';
import { SchedulerAlgorithmSetting } from './scheduler-algorithm';
import { DecisionTrigger, PlaceResult, PodToPlace, toDecision } from './scheduling-decision';
import { decideAndExplain, explainChoice } from './strategies/explain';
import { rankNodes } from './strategies/select-node';
import { SchedulerAlgorithm } from './strategies/types';

/** ranked candidates tried per placement before re-reading the nodes */
const TRIES_PER_ROUND = 5;

/**
 * The careful path of placing a pod (pending retries, reschedules, a creation the group
 * commit could not place): the nodes read from the database in the caller's transaction,
 * the pod bound to the best one that still has room, the decision recorded beside it.
 */
@Injectable()
export class PodPlacer {
  constructor(
    private readonly bindings: BindingsRepository,
    private readonly decisionsRepository: DecisionsRepository,
    private readonly metrics: MetricsService,
    private readonly algorithm: SchedulerAlgorithmSetting,
    private readonly roundRobin: RoundRobinCursor,
  ) {}

  /**
   * Binds the pod to the best node that still has room, inside the caller's transaction,
   * and stores the decision (explained) in it too.
   */
  async place(
    db: Db,
    pod: PodToPlace,
    algorithm: SchedulerAlgorithm | null | undefined,
    trigger: DecisionTrigger,
  ): Promise<PlaceResult> {
    const started = process.hrtime.bigint();
    const algo = algorithm ?? this.algorithm.current;
    const request = { cpuM: pod.cpuReqM, memoryMb: pod.memoryReqMb, constraints: pod.constraints };
    try {
      let nodes = await this.bindings.allNodeViews(db);
      for (let round = 0; round < 3; round++) {
        const last = this.roundRobin.lastChosenId;
        const ranked = rankNodes(algo, request, nodes, last);
        if (ranked.length === 0) break;
        for (const node of ranked.slice(0, TRIES_PER_ROUND)) {
          const ip = await this.bindings.bindPod(db, pod, node.id);
          if (ip) {
            if (algo === 'round-robin') this.roundRobin.lastChosenId = node.id;
            const explanation = explainChoice(algo, request, nodes, node, last);
            await this.decisionsRepository.recordDecision(
              db,
              pod.id,
              toDecision(trigger, explanation),
            );
            return { bound: true, nodeId: node.id, nodeName: node.name, ip };
          }
        }
        // every tried node filled up meanwhile: the next round (or the verdict) reads again
        nodes = await this.bindings.allNodeViews(db);
      }
      const { explanation } = decideAndExplain(algo, request, nodes, this.roundRobin.lastChosenId);
      await this.decisionsRepository.recordDecision(db, pod.id, toDecision(trigger, explanation));
      return { bound: false, reason: explanation.reason };
    } finally {
      this.metrics.schedulingSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
