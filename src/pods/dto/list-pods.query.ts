import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { DNS_LABEL, PageQuery } from '../../common/validation';
import { POD_STATUSES } from '../../database/entities/pod.entity';

const NAMESPACE_MESSAGE =
  '$property must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)';

/** `?namespace=`: where a pod named by name is looked for (`default` when absent). */
export class PodRefQuery {
  @ApiPropertyOptional({
    description:
      'the namespace a pod given by name is in (default: "default"); a numeric id is found in any namespace unless one is given',
    example: 'default',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: NAMESPACE_MESSAGE })
  namespace?: string;
}

export class ListPodsQuery extends PageQuery {
  @ApiPropertyOptional({
    description: "only this namespace's pods (default: every namespace)",
    example: 'default',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, { message: NAMESPACE_MESSAGE })
  namespace?: string;

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
