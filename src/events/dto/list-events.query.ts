import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/validation';

export class ListEventsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['Normal', 'Warning'] })
  @IsOptional()
  @IsIn(['Normal', 'Warning'])
  type?: string;

  @ApiPropertyOptional({ example: 'NodeFailed' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  reason?: string;

  @ApiPropertyOptional({ example: 'node/worker-1', description: '<kind>/<name>' })
  @IsOptional()
  @IsString()
  @MaxLength(80)
  object?: string;

  @ApiPropertyOptional({ example: 'default', description: "only this namespace's events" })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  namespace?: string;
}

export class EventResponseDto {
  @ApiProperty({ example: '42' }) id: string;
  @ApiProperty({ enum: ['Normal', 'Warning'], example: 'Warning' }) type: string;
  @ApiProperty({ example: 'NodeFailed' }) reason: string;
  @ApiProperty({ example: 'node/worker-1' }) object: string;
  @ApiProperty({ example: 'Node worker-1 failed: no heartbeat for 15.4 s' }) message: string;
  @ApiProperty({ example: 'default', description: "its pod's namespace; node events: default" })
  namespace: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) created_at: string;
}
