import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { NodesRepository } from '../database/nodes.repository';
import { NODE_STATUSES } from '../database/entities/node.entity';
import { POD_STATUSES } from '../database/entities/pod.entity';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly nodesRepository: NodesRepository,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format' })
  async getMetrics(): Promise<string> {
    const counts = await this.nodesRepository.clusterCounts();
    for (const status of NODE_STATUSES)
      this.metrics.nodesByStatus.set({ status }, counts.nodes[status] ?? 0);
    for (const status of POD_STATUSES)
      this.metrics.podsByStatus.set({ status }, counts.pods[status] ?? 0);
    return this.metrics.text();
  }
}
