import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { IsMillicoreNumber } from '../../common/validation';

/** PUT /autoscaler: the fields given change, the others keep their values. */
export class UpdateAutoscalerDto {
  @ApiPropertyOptional({
    example: true,
    description: 'whether the autoscaler adds and removes nodes',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    example: 1,
    minimum: 0,
    maximum: 1000,
    description: 'worker nodes the cluster keeps at least: scale-down stops there',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  min_nodes?: number;

  @ApiPropertyOptional({
    example: 4,
    minimum: 1,
    maximum: 1000,
    description:
      'worker nodes the cluster has at most, counting the ones not added by the autoscaler',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  max_nodes?: number;

  @ApiPropertyOptional({
    example: 4,
    minimum: 0.001,
    maximum: 1024,
    description: 'size of each added node in CPU cores',
  })
  @IsOptional()
  @IsMillicoreNumber()
  @Min(0.001)
  @Max(1024)
  node_cpu_cores?: number;

  @ApiPropertyOptional({
    example: 8192,
    nullable: true,
    minimum: 1,
    description:
      'memory of each added node in MiB; null: the added nodes declare none, so memory never limits them',
  })
  @IsOptional()
  @ValidateIf((o: UpdateAutoscalerDto) => o.node_memory_mb !== null)
  @IsInt()
  @Min(1)
  @Max(4_194_304)
  node_memory_mb?: number | null;

  @ApiPropertyOptional({
    example: 0,
    minimum: 0,
    maximum: 86400,
    description: 'seconds a pod must have been pending before it counts for a scale-up',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86400)
  scale_up_delay_s?: number;

  @ApiPropertyOptional({
    example: 600,
    minimum: 0,
    maximum: 86400,
    description:
      'seconds an added node must have been under-used (below 50 % allocated) before it is removed',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86400)
  scale_down_idle_s?: number;
}

export class AutoscalerResponseDto {
  @ApiProperty({ example: true }) enabled: boolean;
  @ApiProperty({ example: 1 }) min_nodes: number;
  @ApiProperty({ example: 4 }) max_nodes: number;
  @ApiProperty({ example: 4 }) node_cpu_cores: number;
  @ApiProperty({ example: null, nullable: true, type: Number }) node_memory_mb: number | null;
  @ApiProperty({ example: 0 }) scale_up_delay_s: number;
  @ApiProperty({ example: 600 }) scale_down_idle_s: number;
  @ApiProperty({ example: 2, description: 'worker nodes in the cluster now' })
  worker_nodes: number;
  @ApiProperty({
    example: ['autoscaled-k3x9q', 'autoscaled-p2m7d'],
    description: 'the nodes the autoscaler added (the only ones it removes)',
  })
  autoscaled_nodes: string[];
}
