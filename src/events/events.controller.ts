import { Controller, Get, MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Observable, interval, map, merge, takeUntil } from 'rxjs';
import { ApiErrors } from '../common/api-docs';
import { ClusterBus } from './cluster-bus';
import { EventResponseDto, ListEventsQuery } from './dto/list-events.query';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiBearerAuth('api-token')
@Controller('events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly bus: ClusterBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Kubernetes-style events, newest first' })
  @ApiOkResponse({ type: [EventResponseDto] })
  @ApiErrors(400)
  listEvents(@Query() query: ListEventsQuery): Promise<EventResponseDto[]> {
    return this.events.list({ ...query, limit: query.limit ?? 100 });
  }

  @Sse('stream')
  @ApiOperation({
    summary:
      'Live server-sent events: `event` messages carry a cluster event, `heartbeat` messages a node heartbeat',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an endless text/event-stream' })
  streamEvents(): Observable<MessageEvent> {
    const live = this.bus.messages.pipe(
      map((m) => ({ type: m.kind, data: m.data }) as MessageEvent),
    );
    // a comment-like keepalive so proxies and clients keep the stream open
    const keepalive = interval(15000).pipe(map(() => ({ type: 'ping', data: {} }) as MessageEvent));
    return merge(live, keepalive).pipe(takeUntil(this.bus.closing));
  }
}
