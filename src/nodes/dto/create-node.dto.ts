import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { AgreesWith, IsDnsLabel, IsMillicoreNumber, IsStringMap } from '../../common/validation';
import { NODE_TYPES, NodeType } from '../../database/entities/node.entity';

export class CreateNodeDto {
  @IsDnsLabel('worker-1')
  name: string;

  @ApiPropertyOptional({
    example: 4,
    description: "the node's size in CPU cores (fractional allowed); `cpu_cores` is the same",
    minimum: 0.001,
    maximum: 1024,
  })
  // null is not given, as for every optional field
  @ValidateIf(
    (o: CreateNodeDto) =>
      o.cpu_cores === undefined ||
      o.cpu_cores === null ||
      (o.cpu_cores_avail !== undefined && o.cpu_cores_avail !== null),
  )
  @IsDefined({ message: 'cpu_cores_avail (or its alias cpu_cores) is required' })
  @IsMillicoreNumber()
  @Min(0.001)
  @Max(1024)
  cpu_cores_avail?: number;

  @ApiPropertyOptional({
    example: 4,
    description: 'alias of cpu_cores_avail; when both are given they must be equal',
    minimum: 0.001,
    maximum: 1024,
  })
  @IsOptional()
  @AgreesWith('cpu_cores_avail')
  @IsMillicoreNumber()
  @Min(0.001)
  @Max(1024)
  cpu_cores?: number;

  @ApiPropertyOptional({ enum: NODE_TYPES, default: 'worker' })
  @IsOptional()
  @IsIn(NODE_TYPES)
  node_type?: NodeType;

  @ApiPropertyOptional({
    example: 8192,
    minimum: 1,
    description:
      'memory in MiB, scheduled beside CPU; unset, 4096 MiB per core (a 2-core node: 8192)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16 * 1024 * 1024)
  memory_mb?: number;

  @ApiPropertyOptional({
    enum: ['managed', 'external'],
    default: 'managed',
    description:
      'managed: the server launches the agent through its runtime; external: the agent runs elsewhere (another machine, a `kubesim simulate` fleet) and the server only watches its heartbeats',
  })
  @IsOptional()
  @IsIn(['managed', 'external'])
  agent?: 'managed' | 'external';

  @ApiPropertyOptional({
    example: { zone: 'a' },
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsStringMap()
  labels?: Record<string, string>;
}
