import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { DryRunGuard } from './dry-run.guard';
import { KubeContextService } from './kube-context.service';
import { KubeCoreKindController } from './kube-core-kind.controller';
import { KubeQuery } from './kube-list';
import { KubeStatusFilter, sendWarnings } from './kube-status';
import { listOptions } from './list-filter';
import { KubeNamespacesService } from './kube-namespaces.service';
import { NAMESPACE_TABLE } from './kube-table';
import { jsonBody, namespaceBody } from './request-bodies';

/** Namespaces in the core group (`/api/v1/namespaces`). */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('api/v1')
export class KubeNamespacesController extends KubeCoreKindController {
  constructor(
    private readonly kubeNamespaces: KubeNamespacesService,
    kube: KubeContextService,
    bus: ClusterBus,
  ) {
    super(kube, bus);
  }

  @Get('namespaces')
  async listKubeNamespaces(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, 'NamespaceList', NAMESPACE_TABLE, () =>
      this.kubeNamespaces.listNamespaces(listOptions(q)),
    );
  }

  @Get('namespaces/:name')
  async getKubeNamespace(
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kubeNamespaces.getNamespace(name), NAMESPACE_TABLE, accept, q);
  }

  @Post('namespaces')
  @HttpCode(201)
  async createKubeNamespace(
    @Body() body: unknown,
    @Query() q: KubeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { namespace, warnings } = await this.kubeNamespaces.createNamespace(
      namespaceBody(body),
      q,
    );
    sendWarnings(reply, warnings);
    return namespace;
  }

  @Patch('namespaces/:name')
  patchKubeNamespace(
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kubeNamespaces.patchNamespace(
      name,
      (contentType ?? '').toLowerCase(),
      jsonBody(patch),
    );
  }

  /** 200 with the namespace, Terminating: it goes once its pods are deleted. */
  @Put('namespaces/:name')
  replaceKubeNamespace(@Param('name') name: string, @Body() body: unknown) {
    return this.kubeNamespaces.replaceNamespace(name, namespaceBody(body));
  }

  @Delete('namespaces/:name')
  deleteKubeNamespace(@Param('name') name: string) {
    return this.kubeNamespaces.deleteNamespace(name);
  }
}
