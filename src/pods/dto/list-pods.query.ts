import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/validation';
import { POD_STATUSES } from '../../database/entities/pod.entity';

export class ListPodsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: POD_STATUSES })
  @IsOptional()
  @IsIn(POD_STATUSES)
  status?: string;

  @ApiPropertyOptional({ description: "the node's id or name", example: 'worker-1' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  node?: string;
}
