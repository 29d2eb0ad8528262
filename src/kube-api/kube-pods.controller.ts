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
import { DryRunGuard, SupportsDryRun } from './dry-run.guard';
import { KubeContextService } from './kube-context.service';
import { KubeCoreKindController } from './kube-core-kind.controller';
import { KubeQuery } from './kube-list';
import { KubeStatusFilter, sendWarnings } from './kube-status';
import { listOptions } from './list-filter';
import { ContainerLogsRepository } from '../database/container-logs.repository';
import { PodsRepository } from '../database/pods.repository';
import { endLogStreams, logFlag, logNumber, LogRequestError, sendLogs } from '../pods/pod-logs';
import { KubeError } from './kube-status';
import { KubePodsService } from './kube-pods.service';
import { POD_TABLE } from './kube-table';
import { evictionBody, jsonBody } from './request-bodies';

/** Pods in the core group (`/api/v1/pods`, by namespace): their logs, creation, changes, eviction. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('api/v1')
export class KubePodsController extends KubeCoreKindController {
  constructor(
    private readonly kubePods: KubePodsService,
    private readonly containerLogs: ContainerLogsRepository,
    private readonly podsRepository: PodsRepository,
    kube: KubeContextService,
    bus: ClusterBus,
  ) {
    super(kube, bus);
  }

  @Get('pods')
  async listAllKubePods(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, 'PodList', POD_TABLE, () =>
      this.kubePods.listPods(null, listOptions(q)),
    );
  }

  @Get('namespaces/:namespace/pods')
  async listKubePods(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, 'PodList', POD_TABLE, () =>
      this.kubePods.listPods(namespace, listOptions(q)),
    );
  }

  @Get('namespaces/:namespace/pods/:name')
  async getKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kubePods.getPod(namespace, name), POD_TABLE, accept, q);
  }

  /** `kubectl logs`: plain text; `follow=true` streams until the pod ends or the client leaves. */
  @Get('namespaces/:namespace/pods/:name/log')
  async getKubePodLog(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Query() q: KubeQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pod = await this.kubePods.podRecord(namespace, name);
    try {
      await sendLogs(this.containerLogs, this.podsRepository, reply, pod, {
        container: q.container,
        follow: logFlag(q.follow),
        tailLines: logNumber('tailLines', q.tailLines, 0),
        sinceSeconds: logNumber('sinceSeconds', q.sinceSeconds, 1),
        timestamps: logFlag(q.timestamps),
        previous: logFlag(q.previous),
      });
    } catch (err) {
      if (err instanceof LogRequestError) throw new KubeError(400, err.message);
      throw err;
    }
  }

  /** Before the HTTP server stops: `logs -f` streams end, or it would wait for them. */
  beforeApplicationShutdown(): void {
    endLogStreams();
  }

  @Post('namespaces/:namespace/pods')
  @SupportsDryRun()
  @HttpCode(201)
  async createKubePod(
    @Param('namespace') namespace: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { pod, warnings } = await this.kubePods.createPod(namespace, jsonBody(body), q);
    sendWarnings(reply, warnings);
    return pod;
  }

  @Patch('namespaces/:namespace/pods/:name')
  patchKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kubePods.patchPod(
      namespace,
      name,
      (contentType ?? '').toLowerCase(),
      jsonBody(patch),
    );
  }

  @Put('namespaces/:namespace/pods/:name')
  replaceKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.kubePods.replacePod(namespace, name, jsonBody(body));
  }

  /** policy/v1 Eviction, as `kubectl drain` posts for each pod: the pod is deleted. */
  @Post('namespaces/:namespace/pods/:name/eviction')
  @HttpCode(201)
  evictKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.kubePods.evictPod(namespace, name, evictionBody(body));
  }

  @Delete('namespaces/:namespace/pods/:name')
  deleteKubePod(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.kubePods.deletePod(namespace, name);
  }
}
