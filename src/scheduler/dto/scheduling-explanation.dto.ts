import { ApiProperty } from '@nestjs/swagger';
import { SCHEDULER_ALGORITHMS } from '../strategies/types';

export class NodeVerdictDto {
  @ApiProperty({ example: 'worker-2' }) name: string;
  @ApiProperty({ example: true, description: 'whether the node could take the pod' })
  fits: boolean;
  @ApiProperty({
    type: [String],
    example: [],
    description:
      "every reason the node was ruled out, in kube-scheduler's words: node(s) were unschedulable, node(s) had untolerated taint {key: value}, node(s) didn't match Pod's node affinity/selector, Insufficient cpu, Insufficient memory, …",
  })
  reasons: string[];
  @ApiProperty({
    type: Number,
    nullable: true,
    example: -1500,
    description:
      "the algorithm's score for a node that fits (higher wins, ties go to the oldest node); null when it does not fit",
  })
  score: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'best-fit: 1.5 cores left after placing (least left wins)',
    description: 'how the score was computed',
  })
  score_note: string | null;
  @ApiProperty({ example: true, description: 'the node the pod was bound to' })
  chosen: boolean;
}

export class DecisionOutcomeDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'worker-2',
    description: 'the node chosen; null when the pod stayed pending',
  })
  node: string | null;
  @ApiProperty({
    example:
      'best-fit: 1.5 cores, 2048 MiB left after placing (62.5% allocated, most allocated wins); 2/3 nodes fit',
    description:
      'why this node won, or why nothing fits ("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.")',
  })
  reason: string;
}

export class DecisionSummaryDto {
  @ApiProperty({ example: 3 }) nodes_total: number;
  @ApiProperty({ example: 2 }) nodes_fit: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { cordoned: 1 },
    description: 'nodes ruled out, each counted once under its first reason',
  })
  unfit_counts: Record<string, number>;
  @ApiProperty({
    example: false,
    description:
      'true when `nodes` lists only part of the cluster: beyond 100 nodes a decision keeps the 5 best fitting nodes and 5 ruled-out ones',
  })
  truncated: boolean;
}

export class SchedulingDecisionDto {
  @ApiProperty({ enum: SCHEDULER_ALGORITHMS, example: 'best-fit' }) algorithm: string;
  @ApiProperty({
    enum: ['create', 'retry', 'reschedule'],
    example: 'create',
    description:
      "what led to it: the pod's creation, a retry while pending, its node's failure or removal",
  })
  trigger: string;
  @ApiProperty({ example: '2026-01-05T10:00:00.000Z' }) decided_at: string;
  @ApiProperty({
    example: 1,
    description:
      'times in a row this outcome was reached (a pending pod retried with the same verdict)',
  })
  attempts: number;
  @ApiProperty({ type: DecisionOutcomeDto }) decision: DecisionOutcomeDto;
  @ApiProperty({ type: DecisionSummaryDto }) summary: DecisionSummaryDto;
  @ApiProperty({ type: [NodeVerdictDto] }) nodes: NodeVerdictDto[];
}

export class PodSchedulingDto extends SchedulingDecisionDto {
  @ApiProperty({ example: 'web-1' }) pod: string;
  @ApiProperty({
    type: [SchedulingDecisionDto],
    description: 'earlier decisions about the pod, newest first (the last 10 are kept)',
  })
  history: SchedulingDecisionDto[];
}
