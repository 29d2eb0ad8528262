import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { AutoscalerResponseDto, UpdateAutoscalerDto } from './dto/autoscaler.dto';
import { AutoscalerService } from './autoscaler.service';

@ApiTags('autoscaler')
@ApiBearerAuth('api-token')
@Controller('autoscaler')
export class AutoscalerController {
  constructor(private readonly autoscaler: AutoscalerService) {}

  @Get()
  @ApiOperation({ summary: "The cluster autoscaler's settings and the nodes it added" })
  @ApiOkResponse({ type: AutoscalerResponseDto })
  @ApiErrors(401)
  getAutoscaler(): Promise<AutoscalerResponseDto> {
    return this.autoscaler.getAutoscaler();
  }

  @Put()
  @ApiOperation({
    summary: 'Set the cluster autoscaler (the fields given change, the others stay)',
    description:
      'While pods are pending for lack of room, nodes of `node_cpu_cores` are added (up to `max_nodes`); an added node under 50 % allocated for `scale_down_idle_s`, whose pods all fit elsewhere, is drained and removed (down to `min_nodes`). Every replica reads the same settings.',
  })
  @ApiBody({
    type: UpdateAutoscalerDto,
    examples: {
      enable: { summary: 'on, up to 4 nodes', value: { enabled: true, max_nodes: 4 } },
      full: {
        summary: 'every setting',
        value: {
          enabled: true,
          min_nodes: 1,
          max_nodes: 6,
          node_cpu_cores: 4,
          node_memory_mb: 8192,
          scale_up_delay_s: 10,
          scale_down_idle_s: 600,
        },
      },
      disable: { summary: 'off', value: { enabled: false } },
    },
  })
  @ApiOkResponse({ type: AutoscalerResponseDto })
  @ApiErrors(400, 401)
  updateAutoscaler(@Body() dto: UpdateAutoscalerDto): Promise<AutoscalerResponseDto> {
    return this.autoscaler.updateAutoscaler(dto);
  }
}
