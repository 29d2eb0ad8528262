import { All, Controller, Get, Headers, Param, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { EventsV1Event } from '@kubernetes/client-node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { KubeEventsService } from './kube-events.service';
import { EventView, sendEvents } from './event-list';
import { includeObject, KubeQuery, wantsTable } from './kube-list';
import {
  coreEventFieldSelector,
  EVENTS_API_GROUP,
  EVENTS_V1_RESOURCES,
  EVENTS_V1_TABLE,
  toEventsV1Event,
} from './kube-events';
import { toTable } from './kube-table';
import { KubeError, KubeStatusFilter } from './kube-status';
import { SelectorError } from './selectors';

const EVENTS_V1: EventView<EventsV1Event> = {
  listKind: 'EventList',
  apiVersion: 'events.k8s.io/v1',
  table: EVENTS_V1_TABLE,
  show: toEventsV1Event,
};

/** The query with its field selector in core/v1's labels, which the stored events answer to. */
function coreQuery(q: KubeQuery): KubeQuery {
  try {
    return { ...q, fieldSelector: coreEventFieldSelector(q.fieldSelector) };
  } catch (err) {
    if (err instanceof SelectorError) throw new KubeError(400, err.message);
    throw err;
  }
}

/** events.k8s.io/v1: kubesim's events, the ones `/api/v1` serves, in that group's view. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@Controller('apis/events.k8s.io')
export class KubeEventsController {
  constructor(
    private readonly kube: KubeEventsService,
    private readonly bus: ClusterBus,
  ) {}

  @Get()
  getEventsGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...EVENTS_API_GROUP };
  }

  @Get('v1')
  getEventsV1Resources() {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'events.k8s.io/v1',
      resources: EVENTS_V1_RESOURCES,
    };
  }

  @Get('v1/events')
  async listAllKubeEventsV1(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await sendEvents(this.kube, this.bus, reply, null, coreQuery(q), accept, EVENTS_V1);
  }

  @Get('v1/namespaces/:namespace/events')
  async listKubeEventsV1(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await sendEvents(this.kube, this.bus, reply, namespace, coreQuery(q), accept, EVENTS_V1);
  }

  @Get('v1/namespaces/:namespace/events/:name')
  async getKubeEventV1(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    const event = toEventsV1Event(
      await this.kube.getEvent(namespace, name, 'events.events.k8s.io'),
    );
    return wantsTable(accept)
      ? toTable(EVENTS_V1_TABLE, [event], event.metadata?.resourceVersion ?? '', includeObject(q))
      : event;
  }

  /** A read-only view: writes to its events are 405s, other paths of the group 404s. */
  @All('*')
  notServedEventsV1(@Req() req: FastifyRequest): never {
    const path = req.url.split('?')[0].replace(/^\/apis\/events\.k8s\.io\/?/, '');
    if (/^v1\/(events|namespaces\/[^/]+\/events(\/[^/]+)?)$/.test(path))
      throw KubeError.methodNotAllowed();
    throw new KubeError(404, 'the server could not find the requested resource');
  }
}
