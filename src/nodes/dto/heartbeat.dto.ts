import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsIn,
  IsInt,
  IsNumber,
  Max,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

import {
  MAX_LOG_LINE_CHARS,
  MAX_LOG_LINES,
  MAX_MEMORY_USAGE_MIB,
} from '../../../node-simulator/src/wire';

/*
 * The rules' values, exported for the hand check of routine beats (heartbeat-fast-check.ts),
 * which must take nothing these rules refuse.
 */
/** PostgreSQL integer columns hold at most this */
export const MAX_INT = 2147483647;
/** a node is at most 1,024 cores (as registration allows) */
export const MAX_CORES = 1024;
/** memory use in MiB: at most what the agent's wire allows */
export const MAX_MIB = MAX_MEMORY_USAGE_MIB;
/** a container's name and the short reasons */
export const MAX_NAME = 63;
/** why a pod failed on its node */
export const MAX_REASON = 1024;
export const MAX_CONTAINERS = 64;
/** pod ids, and pod reports, in one beat */
export const MAX_PODS = 10000;

export const COMPONENT_STATUSES = ['running', 'degraded', 'stopped', 'unknown'] as const;
export const AGENT_HEALTH = ['healthy', 'unhealthy', 'terminating'] as const;
export const CONTAINER_STATUSES = ['creating', 'running', 'waiting', 'failed', 'terminated'];
export const POD_STATUSES = ['creating', 'running', 'succeeded', 'failed', 'terminating'];

export class ComponentsDto {
  @ApiProperty({ enum: COMPONENT_STATUSES, example: 'running' })
  @IsIn(COMPONENT_STATUSES)
  kubelet: string;

  @ApiProperty({ enum: COMPONENT_STATUSES, example: 'running' })
  @IsIn(COMPONENT_STATUSES)
  container_runtime: string;

  @ApiProperty({ enum: COMPONENT_STATUSES, example: 'running' })
  @IsIn(COMPONENT_STATUSES)
  kube_proxy: string;

  @ApiProperty({ enum: COMPONENT_STATUSES, example: 'running' })
  @IsIn(COMPONENT_STATUSES)
  node_agent: string;

  @ApiPropertyOptional({ enum: COMPONENT_STATUSES, description: 'master nodes only' })
  @IsOptional()
  @IsIn(COMPONENT_STATUSES)
  api_server?: string;

  @ApiPropertyOptional({ enum: COMPONENT_STATUSES, description: 'master nodes only' })
  @IsOptional()
  @IsIn(COMPONENT_STATUSES)
  scheduler?: string;

  @ApiPropertyOptional({ enum: COMPONENT_STATUSES, description: 'master nodes only' })
  @IsOptional()
  @IsIn(COMPONENT_STATUSES)
  controller_manager?: string;

  @ApiPropertyOptional({ enum: COMPONENT_STATUSES, description: 'master nodes only' })
  @IsOptional()
  @IsIn(COMPONENT_STATUSES)
  etcd?: string;
}

export class TerminatedDto {
  @ApiProperty({ example: 0 })
  @IsInt()
  @Min(0)
  @Max(255)
  exit_code: number;

  @ApiProperty({ example: 'Completed', description: '`Completed` (exit 0) or `Error`' })
  @IsString()
  @MaxLength(MAX_NAME)
  reason: string;

  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' })
  @IsISO8601()
  started_at: string;

  @ApiProperty({ example: '2026-01-01T00:00:01.000Z' })
  @IsISO8601()
  finished_at: string;
}

export class ContainerReportDto {
  @ApiProperty({ example: 'web' })
  @IsString()
  @MaxLength(MAX_NAME)
  name: string;

  @ApiProperty({
    enum: CONTAINER_STATUSES,
    example: 'running',
    description: '`waiting`: exited, to be restarted after its back-off',
  })
  @IsIn(CONTAINER_STATUSES)
  status: string;

  @ApiPropertyOptional({ example: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT)
  restart_count?: number;

  @ApiPropertyOptional({ example: 0.25, description: 'cores' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_CORES)
  cpu_usage?: number;

  @ApiPropertyOptional({ example: 24.5, description: 'MiB' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_MIB)
  memory_usage?: number;

  @ApiPropertyOptional({ description: 'when a restarted container started again' })
  @IsOptional()
  @IsISO8601()
  started_at?: string;

  @ApiPropertyOptional({ description: 'false while its readiness delay runs; absent: ready' })
  @IsOptional()
  @IsBoolean()
  ready?: boolean;

  @ApiPropertyOptional({ type: TerminatedDto, description: 'with status terminated: how it ended' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TerminatedDto)
  terminated?: TerminatedDto;

  @ApiPropertyOptional({ example: 'CrashLoopBackOff', description: 'with status waiting' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_NAME)
  waiting_reason?: string;

  @ApiPropertyOptional({ type: TerminatedDto, description: 'its end before the current run' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TerminatedDto)
  last_terminated?: TerminatedDto;
}

export class PodReportDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  id: number;

  @ApiProperty({
    enum: POD_STATUSES,
    example: 'running',
    description:
      '`succeeded`, and `failed` with a container exit as reason: its containers ended for good',
  })
  @IsIn(POD_STATUSES)
  status: string;

  @ApiProperty({ type: [ContainerReportDto] })
  @IsArray()
  @ArrayMaxSize(MAX_CONTAINERS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ContainerReportDto)
  containers: ContainerReportDto[];

  @ApiPropertyOptional({
    example: 'env key "a/b" is not a variable name',
    description: "with status failed: why the pod failed on the node; kept as the pod's reason",
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REASON)
  reason?: string;
  @ApiPropertyOptional({
    description: 'its containers ended for good under its restart policy (succeeded or failed)',
  })
  @IsOptional()
  @IsBoolean()
  finished?: boolean;
}

export class LogLineDto {
  @ApiProperty({ example: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_INT)
  pod_id: number;

  @ApiProperty({ example: 'web' })
  @IsString()
  @MaxLength(MAX_NAME)
  container: string;

  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' })
  @IsISO8601()
  at: string;

  @ApiProperty({ example: 'status: ok, up 30s' })
  @IsString()
  @MaxLength(MAX_LOG_LINE_CHARS)
  text: string;
}

export class HeartbeatDto {
  @ApiProperty({
    type: [Number],
    example: [1, 2],
    description:
      'ids of the pods the node runs; without `pods`, these pods (and their containers) are taken as running',
  })
  @IsArray()
  @ArrayMaxSize(MAX_PODS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_INT, { each: true })
  pod_ids: number[];

  @ApiPropertyOptional({ example: 3.5, description: 'cores the node could still give' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_CORES)
  cpu_cores_avail?: number;

  @ApiPropertyOptional({ example: 0.5, description: 'cores in use, summed over its containers' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_CORES)
  cpu_usage?: number;

  @ApiPropertyOptional({ example: 96, description: 'MiB in use, summed over its containers' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_MIB)
  memory_usage?: number;

  @ApiProperty({ enum: AGENT_HEALTH, example: 'healthy' })
  @IsIn(AGENT_HEALTH)
  health_status: string;

  @ApiProperty({ type: ComponentsDto })
  @IsObject()
  @ValidateNested()
  @Type(() => ComponentsDto)
  components: ComponentsDto;

  @ApiPropertyOptional({
    type: [PodReportDto],
    description:
      "each pod's status and its containers'; when given, only pods reported running are running",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PODS)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => PodReportDto)
  pods?: PodReportDto[];

  @ApiPropertyOptional({
    type: [LogLineDto],
    description: "lines the node's containers printed since its last delivered beat",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LOG_LINES)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => LogLineDto)
  logs?: LogLineDto[];

  @ApiPropertyOptional({
    example: 3,
    description:
      'the pods_version of the last answer the agent applied, 0 when it holds none (first beat, ' +
      'restart). With it the answer carries only the pods new or changed since (and those not in ' +
      'pod_ids), plus pod_ids; without it, every pod in full',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_INT)
  pods_version?: number;
}
