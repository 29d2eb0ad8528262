import { Injectable } from '@nestjs/common';
import { DomainError, NotFoundError } from '../common/errors';
import { PodsRepository } from '../database/pods.repository';
import { DecisionsRepository } from '../database/decisions.repository';
import { DecisionRecord } from '../database/records';
import { DecisionExplanation } from './strategies/explain';
import { PodSchedulingDto, SchedulingDecisionDto } from './dto/scheduling-explanation.dto';

/** A pod stored before decisions were recorded has none. */
class NoDecisionError extends DomainError {
  readonly status = 404;
}

/** A stored decision, as the API shows it. */
export function toDecisionDto(row: DecisionRecord): SchedulingDecisionDto {
  const detail = row.detail as DecisionExplanation;
  return {
    algorithm: row.algorithm,
    trigger: row.trigger,
    decided_at: new Date(row.decided_at).toISOString(),
    attempts: row.attempts,
    decision: { node: row.node_name, reason: row.reason },
    summary: {
      nodes_total: detail.nodes_total,
      nodes_fit: detail.nodes_fit,
      unfit_counts: detail.unfit_counts as Record<string, number>,
      truncated: detail.truncated,
    },
    nodes: detail.nodes.map((n) => ({ ...n, chosen: n.name === row.node_name })),
  };
}

/**
 * The recorded scheduling decisions of pods, for the REST API, the dashboard and the
 * Kubernetes API's PodScheduled condition and FailedScheduling events.
 */
@Injectable()
export class SchedulingExplanationService {
  constructor(
    private readonly podsRepository: PodsRepository,
    private readonly decisionsRepository: DecisionsRepository,
  ) {}

  /** The latest decision about a pod (by id or name) and the earlier ones, newest first. */
  async latestFor(podRef: string | number, namespace?: string): Promise<PodSchedulingDto> {
    const pod = await this.podsRepository.findPod(podRef, namespace);
    if (!pod) throw new NotFoundError('pod', podRef);
    const [latest, ...history] = (await this.decisionsRepository.decisionsOf(pod.id)).map(
      toDecisionDto,
    );
    if (!latest)
      throw new NoDecisionError(`no scheduling decision is recorded for pod "${pod.name}"`);
    return { pod: pod.name, ...latest, history };
  }
}
