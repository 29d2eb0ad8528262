import { TaintDto } from './taints.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONFIG_TYPES } from '../../database/entities/config-item.entity';
import { NODE_STATUSES, NODE_TYPES } from '../../database/entities/node.entity';
import { VOLUME_TYPES } from '../../database/entities/volume.entity';

const STATUS_DESCRIPTION =
  'pending (registered, no heartbeat yet), healthy, not_ready (missed heartbeats for NODE_NOT_READY_AFTER_MS: takes no new pods, healthy again on its next heartbeat), failed (silent past NODE_FAILURE_TIMEOUT_MS, or its agent gone), recovering (restart issued), permanently_failed (out of restarts), stopped (by the user)';
const SILENT_DESCRIPTION =
  'what its agent last reported; every component "unknown" while the node is not heartbeating (not_ready, failed, recovering, permanently_failed, stopped)';

export class NodeResponseDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'worker-1' }) name: string;
  @ApiProperty({ enum: NODE_TYPES, example: 'worker' }) node_type: string;
  @ApiProperty({ enum: NODE_STATUSES, example: 'healthy', description: STATUS_DESCRIPTION })
  health_status: string;
  @ApiProperty({ example: false }) cordoned: boolean;
  @ApiProperty({ example: 4, description: "the node's size in cores" }) cpu_cores_total: number;
  @ApiProperty({ example: 1.5, description: 'sum of the CPU requests of its bound pods' })
  cpu_cores_allocated: number;
  @ApiProperty({ example: 2.5, description: 'free for scheduling: total − allocated' })
  cpu_cores_avail: number;
  @ApiProperty({
    example: 1.2,
    description: 'what its agent last reported in use; 0 while the node is not heartbeating',
  })
  cpu_cores_used: number;
  @ApiProperty({ example: 8192, nullable: true, type: Number }) memory_mb: number | null;
  @ApiProperty({ example: 512 }) memory_mb_allocated: number;
  @ApiProperty({ example: { zone: 'a' }, type: 'object', additionalProperties: { type: 'string' } })
  labels: Record<string, string>;
  @ApiProperty({
    type: [TaintDto],
    example: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
  })
  taints: TaintDto[];
  @ApiProperty({ example: '10.244.1.0/24' }) pod_cidr: string;
  @ApiProperty({
    example: {
      kubelet: 'running',
      container_runtime: 'running',
      kube_proxy: 'running',
      node_agent: 'running',
    },
    type: 'object',
    additionalProperties: { type: 'string' },
    description: SILENT_DESCRIPTION,
  })
  components: Record<string, string>;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z', nullable: true, type: String })
  last_heartbeat_at: string | null;
  @ApiProperty({ example: 0 }) recovery_attempts: number;
  @ApiProperty({ example: 3 }) pod_count: number;
  @ApiProperty({ example: 'process', enum: ['docker', 'process', 'external'] }) runtime: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) created_at: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) updated_at: string;
}

export class NodeDetailDto extends NodeResponseDto {
  @ApiProperty({ type: [Number], example: [1, 2, 3] }) pod_ids: number[];
}

export class CreatedNodeDto extends NodeDetailDto {
  @ApiProperty({
    example: 'k8s-hb-3f0c…',
    description: "the token the node's agent sends with each heartbeat; shown only this once",
  })
  heartbeat_token: string;
}

export class NodeHealthDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'worker-1' }) name: string;
  @ApiProperty({ enum: NODE_STATUSES, example: 'healthy', description: STATUS_DESCRIPTION })
  health_status: string;
  @ApiProperty({ nullable: true, type: String, example: '2026-01-01T00:00:00.000Z' })
  last_heartbeat_at: string | null;
  @ApiProperty({ nullable: true, type: Number, example: 2.1 }) seconds_since_heartbeat:
    number | null;
  @ApiProperty({ example: 0, description: 'heartbeat periods gone by without one' })
  missed_heartbeats: number;
  @ApiProperty({ example: 0 }) recovery_attempts: number;
  @ApiProperty({ example: 57 }) heartbeat_count: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { kubelet: 'running' },
    description: SILENT_DESCRIPTION,
  })
  components: Record<string, string>;
}

export class HeartbeatSampleDto {
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) at: string;
  @ApiProperty({ example: 0.8, description: 'cores the agent reported in use' }) cpu_usage: number;
  @ApiProperty({ example: 2.4, description: 'time the server took to handle the beat, ms' })
  latency_ms: number;
}

export class DeletedDto {
  @ApiProperty({ example: true }) deleted: boolean;
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'worker-1' }) name: string;
  @ApiPropertyOptional({
    type: [Number],
    example: [4, 7],
    description: 'pods moved off the node before it went',
  })
  rescheduled_pod_ids?: number[];
}

class ContainerSpecDto {
  @ApiProperty({ example: 'web' }) name: string;
  @ApiProperty({ example: 'nginx:1.27' }) image: string;
  @ApiProperty({ example: 0.5 }) cpu_req: number;
  @ApiProperty({ example: 128 }) memory_req: number;
  @ApiProperty({ type: [String], example: ['nginx'] }) command: string[];
  @ApiProperty({ type: [String], example: ['-g', 'daemon off;'] }) args: string[];
}

class VolumeSpecDto {
  @ApiProperty({ example: 'cache' }) name: string;
  @ApiProperty({ enum: VOLUME_TYPES, example: 'emptyDir' }) type: string;
  @ApiProperty({ example: 1, nullable: true, type: Number, description: 'GB; null: no limit' })
  size: number | null;
  @ApiProperty({ example: '/cache', nullable: true, type: String }) path: string | null;
}

class ConfigSpecDto {
  @ApiProperty({ example: 'db' }) name: string;
  @ApiProperty({ enum: CONFIG_TYPES, example: 'secret' }) type: string;
  @ApiProperty({ example: 'DB_PASSWORD' }) key: string;
  @ApiProperty({
    example: 's3cr3t',
    description: 'plain, only in the answer to the node that runs the pod',
  })
  value: string;
}

export class PodAssignmentDto {
  @ApiProperty({ example: 1 }) id: number;
  @ApiProperty({ example: 'web-1' }) name: string;
  @ApiProperty({ example: '10.244.1.2', nullable: true, type: String }) ip: string | null;
  @ApiProperty({ example: 0.5 }) cpu_cores_req: number;
  @ApiProperty({ example: 128 }) memory_mb_req: number;
  @ApiProperty({ example: 0 }) restart_count: number;
  @ApiPropertyOptional({
    enum: ['Always', 'OnFailure', 'Never'],
    description: 'absent: Always',
  })
  restart_policy?: string;
  @ApiPropertyOptional({
    example: { 'kubesim.io/run-seconds': '5' },
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'the kubesim.io/ annotations the agent acts on; absent: none',
  })
  annotations?: Record<string, string>;
  @ApiPropertyOptional({ example: 10000, description: 'crash-loop back-off: first wait (ms)' })
  backoff_initial_ms?: number;
  @ApiPropertyOptional({ example: 300000, description: 'crash-loop back-off: cap (ms)' })
  backoff_max_ms?: number;
  @ApiProperty({ type: [ContainerSpecDto] }) containers: ContainerSpecDto[];
  @ApiProperty({ type: [VolumeSpecDto] }) volumes: VolumeSpecDto[];
  @ApiProperty({ type: [ConfigSpecDto] }) config: ConfigSpecDto[];
}

export class HeartbeatAnswerDto {
  @ApiProperty({ example: 1 }) node_id: number;
  @ApiProperty({ example: 'worker-1' }) node_name: string;
  @ApiProperty({ example: 'healthy' }) health_status: string;
  @ApiProperty({
    example: false,
    description: 'the agent must stop: its node was permanently failed, stopped or deleted',
  })
  terminate: boolean;
  @ApiProperty({ example: 5000 }) heartbeat_interval_ms: number;
  @ApiProperty({
    type: [PodAssignmentDto],
    description:
      'beat without pods_version: every pod the node must run now. Beat with pods_version: ' +
      'the full specs of the pods new or changed since then or not in its pod_ids, oldest ' +
      'change first, at most about 4 MiB per answer (the rest comes with the next beat)',
  })
  pods: PodAssignmentDto[];
  @ApiProperty({
    type: [Number],
    example: [1, 2],
    description: 'every pod the node must run now: the agent drops the others',
  })
  pod_ids: number[];
  @ApiProperty({
    example: 3,
    description:
      'the version the agent holds once it applied this answer: send it with the next beat ' +
      "(it rises whenever the node's pods change; see POST /nodes/:id/watch)",
  })
  pods_version: number;
}
