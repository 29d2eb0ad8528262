import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  Param,
  Patch,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { V1Node } from '@kubernetes/client-node';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { DryRunGuard } from './dry-run.guard';
import { KubeContextService } from './kube-context.service';
import { KubeCoreKindController } from './kube-core-kind.controller';
import { KubeQuery } from './kube-list';
import { KubeStatusFilter } from './kube-status';
import { listOptions } from './list-filter';
import { KubeNodesService } from './kube-nodes.service';
import { NODE_TABLE } from './kube-table';
import { jsonBody } from './request-bodies';

/** Nodes in the core group (`/api/v1/nodes`): kubectl get, cordon, taint, replace, delete. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('api/v1')
export class KubeNodesController extends KubeCoreKindController {
  constructor(
    private readonly kubeNodes: KubeNodesService,
    kube: KubeContextService,
    bus: ClusterBus,
  ) {
    super(kube, bus);
  }

  @Get('nodes')
  async listKubeNodes(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(
      reply,
      q,
      accept,
      'NodeList',
      NODE_TABLE,
      () => this.kubeNodes.listNodes(listOptions(q)),
      {
        volatile: withoutHeartbeat,
      },
    );
  }

  @Get('nodes/:name')
  async getKubeNode(
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kubeNodes.getNode(name), NODE_TABLE, accept, q);
  }

  @Patch('nodes/:name')
  patchKubeNode(
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kubeNodes.patchNode(name, (contentType ?? '').toLowerCase(), jsonBody(patch));
  }

  @Put('nodes/:name')
  replaceKubeNode(@Param('name') name: string, @Body() body: unknown) {
    return this.kubeNodes.replaceNode(name, jsonBody(body));
  }

  @Delete('nodes/:name')
  deleteKubeNode(@Param('name') name: string) {
    return this.kubeNodes.deleteNode(name);
  }
}

/** A node's heartbeat time changes every beat; only other changes are worth a MODIFIED. */
function withoutHeartbeat(node: V1Node) {
  return {
    ...node,
    metadata: { ...node.metadata, resourceVersion: undefined },
    status: {
      ...node.status,
      conditions: node.status?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
    },
  };
}
