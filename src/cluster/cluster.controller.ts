import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { millisToCores } from '../common/units';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NodesRepository } from '../database/nodes.repository';
import { SettingsRepository } from '../database/settings.repository';
import { DISRUPTION_SETTING } from '../database/settings.repository';
import { SchedulerService } from '../scheduler/scheduler.service';

class CountsDto {
  @ApiProperty({ example: 3 }) total: number;
  @ApiProperty({
    example: { healthy: 2, failed: 1 },
    type: 'object',
    additionalProperties: { type: 'number' },
  })
  by_status: Record<string, number>;
}

class CpuDto {
  @ApiProperty({ example: 12 }) total_cores: number;
  @ApiProperty({ example: 4.5 }) allocated_cores: number;
  @ApiProperty({ example: 7.5 }) available_cores: number;
  @ApiProperty({ example: 3.2, description: 'reported in use by healthy (heartbeating) nodes' })
  used_cores: number;
}

class UtilisationDto {
  @ApiProperty({ example: 37.5, description: 'allocated / total, percent' }) allocated_pct: number;
  @ApiProperty({ example: 26.7, description: 'used / total, percent' }) used_pct: number;
}

class DisruptionDto {
  @ApiProperty({
    example: false,
    description:
      'every node stopped heartbeating at once: the nodes are still marked not_ready and failed, but no pod is evicted and no node restarted until one beats again',
  })
  active: boolean;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'the last heartbeat before the silence',
  })
  since: string | null;
  @ApiProperty({
    example: null,
    nullable: true,
    type: String,
    description: 'e.g. "all 3 nodes stopped sending heartbeats at once"',
  })
  reason: string | null;
}

/** The timings this server runs with (KUBESIM_TIMINGS and the variables it presets). */
export class TimingsDto {
  @ApiProperty({ example: 5000 }) heartbeat_interval_ms: number;
  @ApiProperty({ example: 15000, description: 'silence after which a node is failed' })
  node_failure_timeout_ms: number;
  @ApiProperty({ example: 0, description: 'how long a failed node keeps its pods before eviction' })
  pod_eviction_delay_ms: number;
  @ApiProperty({ example: 1000 }) monitor_interval_ms: number;
}

const NO_DISRUPTION: DisruptionDto = { active: false, since: null, reason: null };

export class ClusterSummaryDto {
  @ApiProperty({ type: CountsDto }) nodes: CountsDto;
  @ApiProperty({ type: CountsDto }) pods: CountsDto;
  @ApiProperty({ type: CpuDto }) cpu: CpuDto;
  @ApiProperty({ type: UtilisationDto }) utilisation: UtilisationDto;
  @ApiProperty({ example: 'best-fit' }) scheduler_algorithm: string;
  @ApiProperty({ type: DisruptionDto }) disruption: DisruptionDto;
  @ApiProperty({ type: TimingsDto }) timings: TimingsDto;
}

const pct = (part: number, whole: number) =>
  whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0;
const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

@ApiTags('cluster')
@ApiBearerAuth('api-token')
@Controller('cluster')
export class ClusterController {
  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly settingsRepository: SettingsRepository,
    private readonly scheduler: SchedulerService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Counts by status, CPU total / allocated / used, utilisation' })
  @ApiOkResponse({ type: ClusterSummaryDto })
  @ApiErrors()
  async getCluster(): Promise<ClusterSummaryDto> {
    const [c, disruption] = await Promise.all([
      this.nodesRepository.clusterCounts(),
      this.settingsRepository.getSetting(DISRUPTION_SETTING),
    ]);
    return {
      nodes: { total: sum(c.nodes), by_status: c.nodes },
      pods: { total: sum(c.pods), by_status: c.pods },
      cpu: {
        total_cores: millisToCores(c.cpu.total),
        allocated_cores: millisToCores(c.cpu.allocated),
        available_cores: millisToCores(c.cpu.total - c.cpu.allocated),
        used_cores: millisToCores(c.cpu.used),
      },
      utilisation: {
        allocated_pct: pct(c.cpu.allocated, c.cpu.total),
        used_pct: pct(c.cpu.used, c.cpu.total),
      },
      scheduler_algorithm: await this.scheduler.refreshAlgorithm(),
      disruption: disruption ? (JSON.parse(disruption) as DisruptionDto) : NO_DISRUPTION,
      timings: {
        heartbeat_interval_ms: this.config.heartbeatIntervalMs,
        node_failure_timeout_ms: this.config.nodeFailureTimeoutMs,
        pod_eviction_delay_ms: this.config.podEvictionDelayMs,
        monitor_interval_ms: this.config.monitorIntervalMs,
      },
    };
  }
}
