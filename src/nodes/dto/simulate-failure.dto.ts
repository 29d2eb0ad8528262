import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const FAILURE_MODES = ['crash', 'hang', 'partition'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

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
