import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseInterceptors,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { IdempotencyInterceptor } from '../common/idempotency.interceptor';
import { CreatePodDto } from './dto/create-pod.dto';
import { ListPodsQuery, PodRefQuery } from './dto/list-pods.query';
import { DeletedPodDto, PodHealthDto, PodResponseDto } from './dto/pod-response.dto';
import { PodsService } from './pods.service';
import { PodUsageDto, PodUsageQuery } from '../usage/dto/usage.dto';
import { PodSchedulingDto } from '../scheduler/dto/scheduling-explanation.dto';
import { SchedulingExplanationService } from '../scheduler/scheduling-explanation.service';

const ID_PARAM = {
  name: 'id',
  description: "the pod's numeric id or its name (in `?namespace=`, else in `default`)",
  example: 'web-1',
};

@ApiTags('pods')
@ApiBearerAuth('api-token')
@Controller('pods')
export class PodsController {
  constructor(
    private readonly pods: PodsService,
    private readonly explanations: SchedulingExplanationService,
  ) {}

  @Post()
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'a retried request with the same key gets the first answer instead of creating twice; ' +
      'the same key with another request (method, path or body) is refused with 422',
  })
  @ApiOperation({
    summary:
      'Create a pod: stored and bound to a node in one transaction, or pending with a reason when nothing fits',
  })
  @ApiBody({
    type: CreatePodDto,
    examples: {
      simple: {
        value: {
          name: 'web-1',
          containers: [{ name: 'web', image: 'nginx:1.27', cpu_req: 0.5, memory_req: 128 }],
        },
      },
      full: {
        value: {
          name: 'api-1',
          cpu_cores_req: 1,
          scheduler_algorithm: 'worst-fit',
          containers: [
            {
              name: 'api',
              image: 'node:20',
              cpu_req: 0.75,
              memory_req: 256,
              command: 'node server.js',
              args: ['--port', '8080'],
            },
            { name: 'sidecar', image: 'envoy:1.30', cpu_req: 0.25, memory_req: 64 },
          ],
          volumes: [
            { name: 'cache', type: 'emptyDir', size: 1, path: '/cache' },
            { name: 'creds', type: 'secret', size: 0, path: '/etc/creds' },
          ],
          config: [
            { name: 'api-env', type: 'env', key: 'LOG_LEVEL', value: 'debug' },
            { name: 'creds', type: 'secret', key: 'DB_PASSWORD', value: 's3cr3t' },
          ],
        },
      },
    },
  })
  @ApiCreatedResponse({ type: PodResponseDto })
  @ApiErrors(400, 401, 409, 413, 422)
  createPod(@Body() dto: CreatePodDto): Promise<PodResponseDto> {
    return this.pods.createPod(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List pods, oldest first' })
  @ApiOkResponse({ type: [PodResponseDto] })
  @ApiErrors(400)
  // the answer comes as JSON text already; Fastify adds `; charset=utf-8`, as to what it
  // serialises (and Nest's error answers expect exactly this type)
  @Header('Content-Type', 'application/json')
  listPods(@Query() query: ListPodsQuery): Promise<string> {
    return this.pods.listPodsJson(query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One pod with its containers, volumes and config (secret values redacted)',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: PodResponseDto })
  @ApiErrors(404)
  getPod(@Param('id') id: string, @Query() q: PodRefQuery): Promise<PodResponseDto> {
    return this.pods.getPod(id, q.namespace);
  }

  @Get(':id/logs')
  @ApiOperation({
    summary:
      "What the pod's simulated container printed, as plain text lines (the last 1,000 kept per container)",
  })
  @ApiParam(ID_PARAM)
  @ApiQuery({ name: 'container', required: false, description: 'needed when the pod has several' })
  @ApiQuery({ name: 'tail', required: false, description: 'only the last N lines' })
  @ApiQuery({ name: 'since_seconds', required: false, description: 'only lines this recent' })
  @ApiQuery({
    name: 'timestamps',
    required: false,
    description: 'true: each line starts with its time',
  })
  @ApiQuery({ name: 'follow', required: false, description: 'true: stream until the pod ends' })
  @ApiQuery({ name: 'previous', required: false, description: "true: the previous run's lines" })
  @ApiOkResponse({ description: 'text/plain, one line per line printed' })
  @ApiErrors(400, 404)
  async getPodLogs(
    @Param('id') id: string,
    @Query() q: Record<string, string | undefined>,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    await this.pods.sendLogs(id, q, reply);
  }

  @Get(':id/health')
  @ApiOperation({ summary: "The pod's status, its node's health and each container's status" })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: PodHealthDto })
  @ApiErrors(404)
  getPodHealth(@Param('id') id: string, @Query() q: PodRefQuery): Promise<PodHealthDto> {
    return this.pods.podHealth(id, q.namespace);
  }

  @Get(':id/usage')
  @ApiOperation({
    summary:
      "The pod's CPU and memory use as its node reported it while running, oldest first: cpu in cores, memory in MiB",
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: PodUsageDto })
  @ApiErrors(400, 404)
  getPodUsage(@Param('id') id: string, @Query() q: PodUsageQuery): Promise<PodUsageDto> {
    return this.pods.podUsage(id, q.namespace, q.limit);
  }

  @Get(':id/scheduling')
  @ApiOperation({
    summary:
      'Why the pod landed on its node, or why it is pending: the latest scheduling decision, each node considered (fit, reasons, score) and the earlier decisions',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: PodSchedulingDto })
  @ApiErrors(404)
  getPodScheduling(@Param('id') id: string, @Query() q: PodRefQuery): Promise<PodSchedulingDto> {
    return this.explanations.latestFor(id, q.namespace);
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiOperation({ summary: "Restart the pod's containers on its node (the restart count rises)" })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: PodResponseDto })
  @ApiErrors(400, 401, 404)
  restartPod(@Param('id') id: string, @Query() q: PodRefQuery): Promise<PodResponseDto> {
    return this.pods.restartPod(id, q.namespace);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Delete the pod; its CPU is freed at once and its node drops it on its next heartbeat',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: DeletedPodDto })
  @ApiErrors(401, 404)
  deletePod(@Param('id') id: string, @Query() q: PodRefQuery): Promise<DeletedPodDto> {
    return this.pods.deletePod(id, q.namespace);
  }
}
