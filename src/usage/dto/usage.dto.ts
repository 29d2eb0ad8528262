import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { DNS_LABEL, toNumber } from '../../common/validation';
import { UsagePoint } from '../usage-ring';
import { NODE_USAGE_SAMPLES, POD_USAGE_SAMPLES } from '../usage.service';

const HELD = Math.max(NODE_USAGE_SAMPLES, POD_USAGE_SAMPLES);

export class UsageSampleDto {
  @ApiProperty({ example: '2026-01-01T12:00:05.000Z', description: 'when its agent reported it' })
  time: string;

  @ApiProperty({ example: 0.9, description: 'CPU in use, in cores' })
  cpu: number;

  @ApiProperty({ example: 300, description: 'memory in use, in MiB' })
  memory: number;
}

export class ContainerUsageDto {
  @ApiProperty({ example: 'web' })
  name: string;

  @ApiProperty({ example: 0.9, description: 'cores, at the latest sample' })
  cpu: number;

  @ApiProperty({ example: 300, description: 'MiB, at the latest sample' })
  memory: number;
}

export class NodeUsageDto {
  @ApiProperty({ example: 1 })
  node_id: number;

  @ApiProperty({ example: 'worker-1' })
  node_name: string;

  @ApiProperty({ example: 4, description: "the node's size, in cores" })
  cpu_cores_total: number;

  @ApiProperty({ example: 16384, nullable: true, type: Number, description: 'MiB' })
  memory_mb: number | null;

  @ApiProperty({
    type: [UsageSampleDto],
    description: `what its agent reported with each heartbeat, oldest first (the last ${NODE_USAGE_SAMPLES} kept); cpu in cores, memory in MiB`,
  })
  samples: UsageSampleDto[];
}

export class PodUsageDto {
  @ApiProperty({ example: 1 })
  pod_id: number;

  @ApiProperty({ example: 'web-1' })
  pod_name: string;

  @ApiProperty({ example: 'default' })
  namespace: string;

  @ApiProperty({ example: 'worker-1', nullable: true, type: String })
  node_name: string | null;

  @ApiProperty({ example: 0.5, description: 'its CPU request, in cores' })
  cpu_cores_req: number;

  @ApiProperty({ example: 256, description: 'its memory request, in MiB' })
  memory_mb_req: number;

  @ApiProperty({
    type: [ContainerUsageDto],
    description: 'each container at the latest sample; empty when none is recent',
  })
  containers: ContainerUsageDto[];

  @ApiProperty({
    type: [UsageSampleDto],
    description: `its use on its current node while running, oldest first (the last ${POD_USAGE_SAMPLES} kept); cpu in cores, memory in MiB`,
  })
  samples: UsageSampleDto[];
}

/** `?limit=`: only the last N samples. */
export class UsageQuery {
  @ApiPropertyOptional({
    minimum: 1,
    description: `only the last N samples (at most ${HELD} are kept; larger values are clamped)`,
  })
  @IsOptional()
  @Transform(({ value }) => toNumber(value, HELD), { toClassOnly: true })
  @IsInt()
  @Min(1)
  limit?: number;
}

export class PodUsageQuery extends UsageQuery {
  @ApiPropertyOptional({
    description: 'the namespace a pod given by name is in (default: "default")',
    example: 'default',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: '$property must be a DNS-1123 label' })
  namespace?: string;
}

export function toSampleDto(p: UsagePoint): UsageSampleDto {
  return { time: new Date(p.timeMs).toISOString(), cpu: p.cpu, memory: p.memory };
}
