import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  UseInterceptors,
  Req,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiBody,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { IdempotencyInterceptor } from '../common/idempotency.interceptor';
import { PublicRoute } from '../common/auth';
import { CreateNodeDto } from './dto/create-node.dto';
import { SetTaintsDto } from './dto/taints.dto';
import { HeartbeatDto } from './dto/heartbeat.dto';
import { ListNodesQuery } from './dto/list-nodes.query';
import {
  CreatedNodeDto,
  DeletedDto,
  HeartbeatAnswerDto,
  HeartbeatSampleDto,
  NodeDetailDto,
  NodeHealthDto,
  NodeResponseDto,
} from './dto/node-response.dto';
import { SimulateFailureDto } from './dto/simulate-failure.dto';
import { WatchAnswerDto, WatchDto } from './dto/watch.dto';
import { HeartbeatService } from './heartbeat.service';
import { AssignmentWatch } from './assignment-watch';
import { NodesService } from './nodes.service';
import { NodeUsageDto, UsageQuery } from '../usage/dto/usage.dto';
import { NodeTimelineDto } from './dto/node-timeline.dto';
import { AuthenticatedNodeRequest } from './heartbeat-auth.hook';

const ID_PARAM = {
  name: 'id',
  description: "the node's numeric id or its name",
  example: 'worker-1',
};

@ApiTags('nodes')
@ApiBearerAuth('api-token')
@Controller('nodes')
export class NodesController {
  constructor(
    private readonly nodes: NodesService,
    private readonly heartbeats: HeartbeatService,
    private readonly assignments: AssignmentWatch,
  ) {}

  @Post()
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'a retried request with the same key gets the first answer instead of creating twice; ' +
      'the same key with another request (method, path or body) is refused with 422 (without KUBESIM_SECRET_KEY the replay leaves out heartbeat_token, which is never stored in plain text)',
  })
  @ApiOperation({ summary: 'Register a node and launch its agent through the runtime' })
  @ApiBody({
    type: CreateNodeDto,
    examples: {
      worker: { value: { name: 'worker-1', cpu_cores_avail: 4 } },
      master: { value: { name: 'master-1', cpu_cores: 2, node_type: 'master', memory_mb: 4096 } },
    },
  })
  @ApiCreatedResponse({
    type: CreatedNodeDto,
    description: 'the node, with its heartbeat_token (shown only once)',
  })
  @ApiErrors(400, 401, 409, 413, 422)
  createNode(@Body() dto: CreateNodeDto): Promise<CreatedNodeDto> {
    return this.nodes.createNode(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List nodes, oldest first' })
  @ApiOkResponse({ type: [NodeResponseDto] })
  @ApiErrors(400)
  listNodes(@Query() query: ListNodesQuery): Promise<NodeResponseDto[]> {
    return this.nodes.listNodes(query);
  }

  @Get('health')
  @ApiOperation({ summary: 'Heartbeat health of every node' })
  @ApiOkResponse({ type: [NodeHealthDto] })
  @ApiErrors()
  getNodesHealth(): Promise<NodeHealthDto[]> {
    return this.nodes.nodesHealth();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One node with its pod ids and capacity' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeDetailDto })
  @ApiErrors(404)
  getNode(@Param('id') id: string): Promise<NodeDetailDto> {
    return this.nodes.getNode(id);
  }

  @Get(':id/heartbeats')
  @ApiOperation({ summary: "The node's recent heartbeats, oldest first (for graphs)" })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: [HeartbeatSampleDto] })
  @ApiErrors(404)
  listNodeHeartbeats(@Param('id') id: string): Promise<HeartbeatSampleDto[]> {
    return this.nodes.heartbeats(id);
  }

  @Get(':id/usage')
  @ApiOperation({
    summary:
      "The node's CPU and memory use as its agent reported it, oldest first: cpu in cores, memory in MiB",
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeUsageDto })
  @ApiErrors(400, 404)
  getNodeUsage(@Param('id') id: string, @Query() q: UsageQuery): Promise<NodeUsageDto> {
    return this.nodes.nodeUsage(id, q.limit);
  }

  @Get(':id/timeline')
  @ApiOperation({
    summary:
      "The node's story on one time axis: heartbeats (folded into runs), missed beats, not ready, failure, each pod's eviction, restart attempts, recovery",
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeTimelineDto })
  @ApiErrors(404)
  getNodeTimeline(@Param('id') id: string): Promise<NodeTimelineDto> {
    return this.nodes.timeline(id);
  }

  @Post(':id/heartbeat')
  @PublicRoute()
  @HttpCode(200)
  @ApiBearerAuth('heartbeat-token')
  @ApiOperation({
    summary:
      "Agent heartbeat: needs the node's own token; answers with the pods the node must run " +
      '(with pods_version in the body: only those changed since, plus the ids of all)',
  })
  @ApiParam(ID_PARAM)
  @ApiBody({
    type: HeartbeatDto,
    examples: {
      heartbeat: {
        value: {
          pod_ids: [],
          cpu_usage: 0.4,
          health_status: 'healthy',
          components: {
            kubelet: 'running',
            container_runtime: 'running',
            kube_proxy: 'running',
            node_agent: 'running',
          },
        },
      },
      changesOnly: {
        summary:
          'an agent that holds pods_version 3 and pods 1 and 2: the answer carries only what changed',
        value: {
          pod_ids: [1, 2],
          pods_version: 3,
          cpu_usage: 0.4,
          health_status: 'healthy',
          components: {
            kubelet: 'running',
            container_runtime: 'running',
            kube_proxy: 'running',
            node_agent: 'running',
          },
        },
      },
    },
  })
  @ApiOkResponse({ type: HeartbeatAnswerDto })
  @ApiErrors(400, 401, 404, 413, 429)
  sendHeartbeat(
    @Req() req: AuthenticatedNodeRequest,
    @Body() dto: HeartbeatDto,
  ): Promise<HeartbeatAnswerDto> {
    return this.heartbeats.heartbeat(req.kubesimNodeId, dto);
  }

  @Post(':id/watch')
  @PublicRoute()
  @HttpCode(200)
  @ApiBearerAuth('heartbeat-token')
  @ApiOperation({
    summary:
      "Agent long poll: answers as soon as the node's pods change (or after timeout_ms), so new pods start without waiting for a heartbeat",
  })
  @ApiParam(ID_PARAM)
  @ApiBody({
    type: WatchDto,
    examples: { watch: { value: { pods_version: 3, timeout_ms: 25000 } } },
  })
  @ApiOkResponse({ type: WatchAnswerDto })
  @ApiErrors(400, 401, 404, 429)
  watchAssignments(
    @Req() req: AuthenticatedNodeRequest,
    @Body() dto: WatchDto,
  ): Promise<WatchAnswerDto> {
    return this.assignments.watch(req.kubesimNodeId, dto);
  }

  @Post(':id/simulate/failure')
  @HttpCode(200)
  @ApiOperation({
    summary: "Make the node's agent really fail; detection goes through the heartbeat timeout",
  })
  @ApiParam(ID_PARAM)
  @ApiBody({
    type: SimulateFailureDto,
    required: false,
    examples: { crash: { value: { mode: 'crash' } } },
  })
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiErrors(400, 401, 404, 409)
  simulateNodeFailure(
    @Param('id') id: string,
    @Body() dto: SimulateFailureDto,
  ): Promise<NodeResponseDto> {
    return this.nodes.simulateFailure(id, dto.mode ?? 'crash');
  }

  @Post(':id/restart')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Restart the node's agent (container or process); a permanently failed node starts over",
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiErrors(401, 404, 409)
  restartNode(@Param('id') id: string): Promise<NodeResponseDto> {
    return this.nodes.restartNode(id);
  }

  @Post(':id/stop')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Graceful stop: move its pods elsewhere, stop the agent (an external node's agent is told to terminate on its next heartbeat); the monitor leaves it stopped",
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiErrors(401, 404, 409)
  stopNode(@Param('id') id: string): Promise<NodeResponseDto> {
    return this.nodes.stopNode(id);
  }

  @Post(':id/token')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Issue a new heartbeat token for an external node, so a new agent takes it over (a rerun of `kubesim simulate`, an agent moved to another machine); the old token stops working, and a stopped or permanently failed node is pending until the new agent beats',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({
    type: CreatedNodeDto,
    description: 'the node, with its new heartbeat_token (shown only this once)',
  })
  @ApiErrors(401, 404, 409)
  issueNodeToken(@Param('id') id: string): Promise<CreatedNodeDto> {
    return this.nodes.issueNodeToken(id);
  }

  @Post(':id/cordon')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark the node unschedulable: its pods stay, no new ones come' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiErrors(401, 404)
  cordonNode(@Param('id') id: string): Promise<NodeResponseDto> {
    return this.nodes.setCordoned(id, true);
  }

  @Post(':id/uncordon')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark the node schedulable again' })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiErrors(401, 404)
  uncordonNode(@Param('id') id: string): Promise<NodeResponseDto> {
    return this.nodes.setCordoned(id, false);
  }

  @Put(':id/taints')
  @ApiOperation({
    summary:
      "Replace the node's taints (Kubernetes' {key, value?, effect}): NoSchedule keeps pods that do not tolerate it away, NoExecute also evicts them (after their tolerationSeconds)",
  })
  @ApiParam(ID_PARAM)
  @ApiBody({
    type: SetTaintsDto,
    examples: {
      gpu: { value: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] } },
      none: { value: { taints: [] } },
    },
  })
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiErrors(400, 401, 404)
  setTaints(@Param('id') id: string, @Body() dto: SetTaintsDto): Promise<NodeResponseDto> {
    return this.nodes.setTaints(id, dto.taints);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Drain the node (its pods go back through the scheduler), remove its agent, delete it',
  })
  @ApiParam(ID_PARAM)
  @ApiOkResponse({ type: DeletedDto })
  @ApiErrors(401, 404)
  deleteNode(@Param('id') id: string): Promise<DeletedDto> {
    return this.nodes.deleteNode(id);
  }
}
