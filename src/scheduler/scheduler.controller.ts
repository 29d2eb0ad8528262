import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { SchedulerResponseDto, SetSchedulerDto } from './dto/scheduler.dto';
import { SchedulerService } from './scheduler.service';
import { SCHEDULER_ALGORITHMS } from './strategies/types';

@ApiTags('scheduler')
@ApiBearerAuth('api-token')
@Controller('scheduler')
export class SchedulerController {
  constructor(private readonly scheduler: SchedulerService) {}

  @Get()
  @ApiOperation({ summary: 'The active scheduling algorithm and the available ones' })
  @ApiOkResponse({ type: SchedulerResponseDto })
  @ApiErrors()
  async getScheduler(): Promise<SchedulerResponseDto> {
    return { algorithm: await this.scheduler.refreshAlgorithm(), algorithms: SCHEDULER_ALGORITHMS };
  }

  @Put()
  @ApiOperation({ summary: 'Choose the cluster-wide scheduling algorithm' })
  @ApiBody({ type: SetSchedulerDto, examples: { worstFit: { value: { algorithm: 'worst-fit' } } } })
  @ApiOkResponse({ type: SchedulerResponseDto })
  @ApiErrors(400, 401)
  async setScheduler(@Body() dto: SetSchedulerDto): Promise<SchedulerResponseDto> {
    await this.scheduler.setAlgorithm(dto.algorithm);
    return { algorithm: this.scheduler.activeAlgorithm, algorithms: SCHEDULER_ALGORITHMS };
  }
}
