import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
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
}

export class WatchAnswerDto {
  @ApiProperty({ example: 4 }) pods_version: number;
  @ApiProperty({ example: true, description: 'false when the wait ended with no change' })
  changed: boolean;
  @ApiPropertyOptional({
    type: [PodAssignmentDto],
    description: 'when changed: every pod the node must run now',
  })
  pods?: PodAssignmentDto[];
}
