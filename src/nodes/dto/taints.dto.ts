import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray } from 'class-validator';

export class TaintDto {
  @ApiProperty({ example: 'dedicated' }) key: string;
  @ApiProperty({ example: 'gpu', required: false }) value?: string;
  @ApiProperty({ enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }) effect: string;
  @ApiProperty({
    required: false,
    example: '2026-01-01T00:00:00.000Z',
    description: 'NoExecute only, set by the server: tolerationSeconds count from it',
  })
  timeAdded?: string;
}

export class SetTaintsDto {
  @ApiProperty({
    type: [TaintDto],
    description:
      "the node's taints, replacing the ones it had (an empty list removes them); PreferNoSchedule is kept and shown but does not affect placement",
  })
  @IsArray()
  @ArrayMaxSize(64)
  taints: Array<Record<string, unknown>>;
}
