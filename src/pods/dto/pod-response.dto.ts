import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { POD_STATUSES } from '../../database/entities/pod.entity';

export class TerminatedResponseDto {
  @ApiProperty({ example: 0 }) exit_code: number;
  @ApiProperty({ example: 'Completed', description: '`Completed` (exit 0) or `Error`' })
  reason: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) started_at: string;
  @ApiProperty({ example: '2026-01-01T00:00:01.000Z' }) finished_at: string;
}

export class ContainerResponseDto {
  @ApiProperty({ example: 'web' }) name: string;
  @ApiProperty({ example: 'nginx:1.27' }) image: string;
  @ApiProperty({ example: 0.5 }) cpu_req: number;
  @ApiProperty({ example: 128 }) memory_req: number;
  @ApiPropertyOptional({ example: 1, description: 'present when a limit was given' })
  cpu_limit?: number;
  @ApiPropertyOptional({ example: 256, description: 'present when a limit was given' })
  memory_limit?: number;
  @ApiProperty({ type: [String], example: ['nginx', '-g', 'daemon off;'] }) command: string[];
  @ApiProperty({ type: [String], example: [] }) args: string[];
  @ApiProperty({
    example: 'running',
    enum: ['waiting', 'creating', 'running', 'failed', 'terminated'],
    description:
      '`waiting` with a waiting_reason: exited, to be restarted after its back-off; without: not started yet',
  })
  status: string;
  @ApiProperty({ example: 0 }) restart_count: number;
  @ApiPropertyOptional({
    description: 'false while its readiness delay (kubesim.io/ready-after) runs',
  })
  ready?: boolean;
  @ApiPropertyOptional({
    type: TerminatedResponseDto,
    description: 'how it ended, when terminated',
  })
  terminated?: TerminatedResponseDto;
  @ApiPropertyOptional({ example: 'CrashLoopBackOff' }) waiting_reason?: string;
  @ApiPropertyOptional({
    type: TerminatedResponseDto,
    description: 'its end before the current run',
  })
  last_terminated?: TerminatedResponseDto;
}

export class VolumeResponseDto {
  @ApiProperty({ example: 'cache' }) name: string;
  @ApiProperty({ example: 'emptyDir' }) type: string;
  @ApiProperty({ example: 1, nullable: true, type: Number, description: 'GB; null: no limit' })
  size: number | null;
  @ApiProperty({ example: '/cache', nullable: true, type: String }) path: string | null;
}

export class ConfigResponseDto {
  @ApiProperty({ example: 'db' }) name: string;
  @ApiProperty({ example: 'secret' }) type: string;
  @ApiProperty({ example: 'DB_PASSWORD' }) key: string;
  @ApiProperty({ example: '******', description: 'secret values are always "******"' })
  value: string;
}

export class PodResponseDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'web-1' }) name: string;
  @ApiProperty({ example: 'default' }) namespace: string;
  @ApiProperty({ enum: POD_STATUSES, example: 'scheduled' }) status: string;
  @ApiProperty({ example: 1, nullable: true, type: Number }) node_id: number | null;
  @ApiProperty({ example: 'worker-1', nullable: true, type: String }) node_name: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      'why a pending pod waits ("0/3 nodes are available: 2 Insufficient cpu, 1 Insufficient memory."), or why a ' +
      'failed pod failed when that is known ("its secret data cannot be decrypted: …", ' +
      '"PodCausedNodeFailures: …" when it was on two nodes just before each failed)',
  })
  reason: string | null;
  @ApiProperty({ example: '10.244.1.2', nullable: true, type: String }) ip: string | null;
  @ApiProperty({ example: 0.5 }) cpu_cores_req: number;
  @ApiProperty({ example: 128 }) memory_mb_req: number;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  node_selector?: Record<string, string>;
  @ApiPropertyOptional({ type: 'array', items: { type: 'object' } })
  tolerations?: Array<Record<string, unknown>>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  affinity?: Record<string, unknown>;
  @ApiProperty({ example: null, nullable: true, type: String }) scheduler_algorithm: string | null;
  @ApiProperty({ example: 0 }) restart_count: number;
  @ApiProperty({ enum: ['Always', 'OnFailure', 'Never'], example: 'Always' })
  restart_policy: string;
  @ApiProperty({ type: [ContainerResponseDto] }) containers: ContainerResponseDto[];
  @ApiProperty({ type: [VolumeResponseDto] }) volumes: VolumeResponseDto[];
  @ApiProperty({ type: [ConfigResponseDto] }) config: ConfigResponseDto[];
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z', nullable: true, type: String }) scheduled_at:
    string | null;
  @ApiProperty({ example: '2026-01-01T00:00:01.000Z', nullable: true, type: String }) started_at:
    string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description:
      'when its containers ended for good (status succeeded, or failed by a container exit): ' +
      'from then on it holds no room on its node',
  })
  finished_at: string | null;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) created_at: string;
}

export class PodHealthDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'web-1' }) name: string;
  @ApiProperty({ enum: POD_STATUSES, example: 'running' }) status: string;
  @ApiProperty({ nullable: true, type: String, example: 'worker-1' }) node_name: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'healthy' }) node_health: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) reason: string | null;
  @ApiProperty({ example: 0 }) restart_count: number;
  @ApiProperty({
    example: [{ name: 'web', status: 'running', restart_count: 0 }],
    type: 'array',
    items: { type: 'object' },
  })
  containers: Array<{ name: string; status: string; restart_count: number }>;
}

export class DeletedPodDto {
  @ApiProperty({ example: true }) deleted: boolean;
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'web-1' }) name: string;
}
