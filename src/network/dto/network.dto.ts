import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class ReachabilityQuery {
  @ApiProperty({
    description: 'the source pod: <namespace>/<pod>, or a bare name (default)',
    example: 'default/frontend',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  from?: string;

  @ApiProperty({
    description:
      'the destination: <namespace>/<pod or service>, or a bare name (default); a Service resolves to its ready endpoints',
    example: 'default/db',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  to?: string;

  @ApiProperty({
    description: 'the destination port (a Service port for a Service)',
    example: '6379',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  port?: string;

  @ApiPropertyOptional({ enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  protocol?: string;
}

export class MatrixQuery {
  @ApiPropertyOptional({
    description: "one namespace's pods (all namespaces when absent)",
    example: 'default',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  namespace?: string;

  @ApiPropertyOptional({
    description: 'a port; without one, a cell says whether some port is allowed',
    example: '80',
  })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  port?: string;

  @ApiPropertyOptional({ enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' })
  @IsOptional()
  @IsString()
  @MaxLength(10)
  protocol?: string;
}

export class EndpointVerdictDto {
  @ApiProperty({ example: 'default/db-1' }) pod: string;
  @ApiProperty({ type: String, nullable: true, example: '10.244.1.3' }) ip: string | null;
  @ApiProperty({ description: 'the target port on this pod', example: 6379 }) port: number;
  @ApiProperty() allowed: boolean;
  @ApiProperty() reason: string;
  @ApiProperty({ type: [String] }) policies: string[];
}

export class ReachabilityDto {
  @ApiProperty({ description: 'whether the connection is allowed' }) allowed: boolean;
  @ApiProperty({
    example:
      'default/frontend → default/db on 6379/TCP: allowed (egress not isolated; ingress allowed by default/allow-frontend)',
  })
  reason: string;
  @ApiProperty({
    type: [String],
    description: 'the NetworkPolicies that decided (namespace/name)',
    example: ['default/allow-frontend'],
  })
  policies: string[];
  @ApiProperty({ example: 'default/frontend' }) from: string;
  @ApiProperty({ example: 'default/db' }) to: string;
  @ApiProperty({ example: 6379 }) port: number;
  @ApiProperty({ example: 'TCP' }) protocol: string;
  @ApiPropertyOptional({
    type: [EndpointVerdictDto],
    description: "for a Service: each ready endpoint's verdict",
  })
  endpoints?: EndpointVerdictDto[];
}

export class MatrixDto {
  @ApiProperty({ type: String, nullable: true, example: 'default' }) namespace: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 80 }) port: number | null;
  @ApiProperty({ example: 'TCP' }) protocol: string;
  @ApiProperty({ type: [String], example: ['default/a', 'default/b'] }) pods: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'boolean' } },
    description: 'allowed[i][j]: whether pods[i] may open a connection to pods[j]',
    example: [
      [true, false],
      [true, true],
    ],
  })
  allowed: boolean[][];
  @ApiProperty({ type: [String], description: 'the NetworkPolicies in force (namespace/name)' })
  policies: string[];
}
