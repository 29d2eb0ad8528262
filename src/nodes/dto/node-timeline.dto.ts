import { ApiProperty } from '@nestjs/swagger';

export class TimelineEntryDto {
  @ApiProperty({ example: '2026-01-05T10:00:00.000Z', description: 'when it began' })
  at: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-01-05T10:00:12.000Z',
    description: 'when it ended, for a span (a run of heartbeats, a silence); null for an event',
  })
  until: string | null;
  @ApiProperty({ enum: ['heartbeats', 'missed', 'event'], example: 'event' }) kind: string;
  @ApiProperty({
    example: 'NodeFailed',
    description: 'the event reason, or Heartbeats / MissedHeartbeats for the spans',
  })
  reason: string;
  @ApiProperty({ example: 'no heartbeat for 50 s' }) message: string;
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'node/worker-1',
    description: 'the node itself, or one of its pods ("pod/web-1") for evictions',
  })
  object: string | null;
  @ApiProperty({ enum: ['Normal', 'Warning'], example: 'Warning' }) type: string;
}

export class HeartbeatSummaryDto {
  @ApiProperty({ example: 1042, description: 'heartbeats the node ever sent' }) total: number;
  @ApiProperty({ type: String, nullable: true, example: '2026-01-05T10:00:12.000Z' })
  last_at: string | null;
  @ApiProperty({ example: 120, description: 'recent beats kept in memory and folded into runs' })
  sampled: number;
  @ApiProperty({ example: 5000 }) interval_ms: number;
}

export class NodeTimelineDto {
  @ApiProperty({ example: 'worker-1' }) node: string;
  @ApiProperty({ example: 'healthy' }) health_status: string;
  @ApiProperty({ type: HeartbeatSummaryDto }) heartbeats: HeartbeatSummaryDto;
  @ApiProperty({
    type: [TimelineEntryDto],
    description:
      'oldest first: runs of heartbeats and the silences between them (missed beats), with the events of the node (not ready, failure, restart attempts, recovery) and of its pods (eviction, rescheduling) — the last 500 events',
  })
  entries: TimelineEntryDto[];
}
