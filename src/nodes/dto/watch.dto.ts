import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PodAssignmentDto } from './node-response.dto';

export class WatchDto {
  @ApiProperty({ example: 3, description: 'the pods_version of the last answer the agent applied' })
  @IsInt()
  @Min(0)
  pods_version: number;

  @ApiPropertyOptional({ example: 25000, default: 25000, minimum: 0, maximum: 30000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30000)
  timeout_ms?: number;

  @ApiPropertyOptional({
    type: [Number],
    example: [1, 2],
    description:
      'the pods the agent holds: with it, a change is answered as a heartbeat with pods_version',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(2147483647, { each: true })
  pod_ids?: number[];
}

export class WatchAnswerDto {
  @ApiProperty({ example: 4 }) pods_version: number;
  @ApiProperty({ example: true, description: 'false when the wait ended with no change' })
  changed: boolean;
  @ApiPropertyOptional({
    type: [PodAssignmentDto],
    description:
      'when changed: every pod the node must run now, or with pod_ids in the request the ' +
      'changed pods only, as in a heartbeat answer',
  })
  pods?: PodAssignmentDto[];
  @ApiPropertyOptional({
    type: [Number],
    example: [1, 2],
    description: 'when changed and the request had pod_ids: every pod the node must run now',
  })
  pod_ids?: number[];
}
