import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
  registerDecorator,
} from 'class-validator';
import { configKeyProblem } from '../../../node-simulator/src/pod-rules';
import { DNS_LABEL, IsCommandLine, IsDnsLabel, IsMillicoreNumber } from '../../common/validation';
import { CONFIG_TYPES } from '../../database/entities/config-item.entity';
import { VOLUME_TYPES } from '../../database/entities/volume.entity';
import { SCHEDULER_ALGORITHMS } from '../../scheduler/strategies/types';

export class ContainerDto {
  @IsDnsLabel('web')
  name: string;

  @ApiProperty({ example: 'nginx:1.27' })
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  image: string;

  @ApiProperty({ example: 0.5, description: 'CPU request in cores', minimum: 0, maximum: 1024 })
  @IsMillicoreNumber()
  @Min(0)
  @Max(1024)
  cpu_req: number;

  @ApiProperty({ example: 128, description: 'memory request in MB', minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(16 * 1024 * 1024)
  memory_req: number;

  @ApiPropertyOptional({
    example: 1,
    description:
      'CPU limit in cores (resources.limits.cpu): kept and shown, not enforced; at least cpu_req',
    minimum: 0,
    maximum: 1024,
  })
  @IsOptional()
  @IsMillicoreNumber()
  @Min(0)
  @Max(1024)
  cpu_limit?: number;

  @ApiPropertyOptional({
    example: 256,
    description:
      'memory limit in MB (resources.limits.memory): kept and shown; at least memory_req',
    minimum: 0,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(16 * 1024 * 1024)
  memory_limit?: number;

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: 'nginx -g "daemon off;"',
    description: 'a string (split as a shell would) or an array of strings',
  })
  @IsOptional()
  @IsCommandLine()
  command?: string | string[];

  @ApiPropertyOptional({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: ['--port', '8080'],
  })
  @IsOptional()
  @IsCommandLine()
  args?: string | string[];
}

export class VolumeDto {
  @IsDnsLabel('cache')
  name: string;

  @ApiProperty({ enum: VOLUME_TYPES, example: 'emptyDir' })
  @IsIn(VOLUME_TYPES)
  type: string;

  @ApiPropertyOptional({
    example: 1,
    description: 'size in GB; required except for emptyDir, where unset means no limit',
    minimum: 0,
  })
  // an emptyDir is a scratch folder: like Kubernetes' sizeLimit, its size is optional
  @ValidateIf((v: VolumeDto) => v.type !== 'emptyDir' || v.size !== undefined)
  @IsMillicoreNumber()
  @Min(0)
  @Max(1024 * 1024)
  size?: number;

  @ApiPropertyOptional({
    example: '/cache',
    description: 'mount path inside the pod; required except for emptyDir',
  })
  @ValidateIf((v: VolumeDto) => v.type !== 'emptyDir' || v.path !== undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  path?: string;
}

/** The key must be one the agent can write: the agent's own rule (see node-simulator/src/pod-rules). */
function IsWritableConfigKey() {
  return function (object: object, propertyName: string) {
    registerDecorator({
      name: 'isWritableConfigKey',
      target: object.constructor,
      propertyName,
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const type = (args.object as { type?: unknown }).type;
          // a bad type or a non-string key has its own message
          if (typeof value !== 'string' || typeof type !== 'string') return true;
          return configKeyProblem(type, value) === null;
        },
        defaultMessage(args: ValidationArguments) {
          const type = String((args.object as { type?: unknown }).type);
          return `$property: ${configKeyProblem(type, String(args.value))}`;
        },
      },
    });
  };
}

export class ConfigDto {
  @ApiProperty({ example: 'app-config' })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  name: string;

  @ApiProperty({ enum: CONFIG_TYPES, example: 'env' })
  @IsIn(CONFIG_TYPES)
  type: string;

  @ApiProperty({
    example: 'LOG_LEVEL',
    description:
      'env: a variable name (letters, digits, "-", "_", ".", not starting with a digit); ' +
      'configMap and secret: a file name (letters, digits, "-", "_", ".", not "." or "..")',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(253)
  @IsWritableConfigKey()
  key: string;

  @ApiProperty({ example: 'debug', description: 'secret values are never returned by the API' })
  @IsString()
  @MaxLength(65536)
  value: string;
}

export class CreatePodDto {
  @IsDnsLabel('web-1')
  name: string;

  @ApiPropertyOptional({
    example: 'default',
    maxLength: 63,
    pattern: DNS_LABEL.source,
    description:
      'the namespace the pod is made in (it must exist and not be terminating); default: "default"',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @Matches(DNS_LABEL, {
    message:
      '$property must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
  })
  namespace?: string;

  @ApiPropertyOptional({
    example: 0.5,
    description:
      "CPU the scheduler reserves, in cores; defaults to the sum of the containers' cpu_req; must be > 0",
  })
  @IsOptional()
  @IsMillicoreNumber()
  @Min(0.001)
  @Max(1024)
  cpu_cores_req?: number;

  @ApiPropertyOptional({
    example: 128,
    description: "defaults to the sum of the containers' memory_req",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(16 * 1024 * 1024)
  memory_mb_req?: number;

  @ApiPropertyOptional({
    enum: SCHEDULER_ALGORITHMS,
    description: "overrides the cluster's algorithm for this pod",
  })
  @IsOptional()
  @IsIn(SCHEDULER_ALGORITHMS)
  scheduler_algorithm?: string;

  @ApiPropertyOptional({
    example: { disktype: 'ssd' },
    description: 'Kubernetes nodeSelector: the node must carry every one of these labels',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsObject()
  node_selector?: Record<string, string>;

  @ApiPropertyOptional({
    example: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    description:
      'Kubernetes tolerations `{key?, operator: Equal|Exists, value?, effect?, tolerationSeconds?}`; an empty key with Exists tolerates every taint; tolerationSeconds (NoExecute only) is how long the pod stays once the taint appears',
    type: 'array',
    items: { type: 'object' },
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  tolerations?: Array<Record<string, unknown>>;

  @ApiPropertyOptional({
    example: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
          ],
        },
      },
    },
    description:
      'Kubernetes affinity: only nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution (terms ORed, expressions ANDed; In, NotIn, Exists, DoesNotExist, Gt, Lt)',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  affinity?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ['Always', 'OnFailure', 'Never'],
    example: 'Always',
    description:
      'what the node does when a container exits (default Always: restart it, with back-off)',
  })
  @IsOptional()
  @IsIn(['Always', 'OnFailure', 'Never'])
  restart_policy?: string;

  @ApiProperty({ type: [ContainerDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(32)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ContainerDto)
  containers: ContainerDto[];

  @ApiPropertyOptional({ type: [VolumeDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(32)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => VolumeDto)
  volumes?: VolumeDto[];

  @ApiPropertyOptional({
    type: [ConfigDto],
    description:
      'keys and values together at most 1 MiB (1,048,576 bytes of UTF-8); more is refused with 413',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(128)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => ConfigDto)
  config?: ConfigDto[];
}
