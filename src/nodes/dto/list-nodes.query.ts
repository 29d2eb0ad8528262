import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQuery } from '../../common/validation';
import { NODE_STATUSES, NODE_TYPES } from '../../database/entities/node.entity';

export class ListNodesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: NODE_STATUSES })
  @IsOptional()
  @IsIn(NODE_STATUSES)
  status?: string;

  @ApiPropertyOptional({ enum: NODE_TYPES })
  @IsOptional()
  @IsIn(NODE_TYPES)
  node_type?: string;
}
