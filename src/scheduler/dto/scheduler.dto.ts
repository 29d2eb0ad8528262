import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { SCHEDULER_ALGORITHMS, SchedulerAlgorithm } from '../strategies/types';

export class SetSchedulerDto {
  @ApiProperty({ enum: SCHEDULER_ALGORITHMS, example: 'worst-fit' })
  @IsIn(SCHEDULER_ALGORITHMS)
  algorithm: SchedulerAlgorithm;
}

export class SchedulerResponseDto {
  @ApiProperty({ enum: SCHEDULER_ALGORITHMS, example: 'best-fit' }) algorithm: SchedulerAlgorithm;
  @ApiProperty({ enum: SCHEDULER_ALGORITHMS, isArray: true, example: SCHEDULER_ALGORITHMS })
  algorithms: readonly SchedulerAlgorithm[];
}
