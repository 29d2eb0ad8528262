import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

import { FAILURE_MODES, FailureMode } from '../../domain/failure-mode';

export { FAILURE_MODES };
export type { FailureMode };

export class SimulateFailureDto {
  @ApiPropertyOptional({
    enum: FAILURE_MODES,
    default: 'crash',
    description:
      'crash kills the agent, hang freezes it, partition keeps it running but silences its heartbeats',
  })
  @IsOptional()
  @IsIn(FAILURE_MODES)
  mode?: FailureMode;
}
