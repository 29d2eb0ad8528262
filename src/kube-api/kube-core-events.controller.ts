import { Controller, Get, Headers, Param, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { CoreV1Event } from '@kubernetes/client-node';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { DryRunGuard } from './dry-run.guard';
import { KubeContextService } from './kube-context.service';
import { KubeCoreKindController } from './kube-core-kind.controller';
import { KubeQuery } from './kube-list';
import { KubeStatusFilter } from './kube-status';
import { EventView, sendEvents } from './event-list';
import { KubeEventsService } from './kube-events.service';
import { EVENT_TABLE } from './kube-table';

const CORE_EVENTS: EventView<CoreV1Event> = {
  listKind: 'EventList',
  apiVersion: 'v1',
  table: EVENT_TABLE,
  show: (e) => e,
};

/** Events in the core group (`/api/v1/events`, by namespace): read-only, as kubesim records them. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('api/v1')
export class KubeCoreEventsController extends KubeCoreKindController {
  constructor(
    private readonly kubeEvents: KubeEventsService,
    kube: KubeContextService,
    bus: ClusterBus,
  ) {
    super(kube, bus);
  }

  @Get('events')
  async listAllKubeEvents(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.listEvents(reply, null, q, accept);
  }

  @Get('namespaces/:namespace/events')
  async listKubeEvents(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.listEvents(reply, namespace, q, accept);
  }

  @Get('namespaces/:namespace/events/:name')
  async getKubeEvent(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kubeEvents.getEvent(namespace, name), EVENT_TABLE, accept, q);
  }

  private listEvents(reply: FastifyReply, namespace: string | null, q: KubeQuery, accept: string) {
    return sendEvents(this.kubeEvents, this.bus, reply, namespace, q, accept, CORE_EVENTS);
  }
}
