import { Controller, Get, Headers, MessageEvent, Query, Sse } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { Observable } from 'rxjs';
import { BadInputError } from '../common/errors';
import { ApiErrors } from '../common/api-docs';
import { EventResponseDto, ListEventsQuery } from './dto/list-events.query';
import { EventsService, STREAM_REPLAY_LIMIT } from './events.service';

@ApiTags('events')
@ApiBearerAuth('api-token')
@Controller('events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

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
      'Live server-sent events: `event` messages carry a cluster event (its id as the SSE id), `heartbeat` messages a node heartbeat',
  })
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: `the id of the last event a reconnecting client saw: the stored events after it are sent first (the newest ${STREAM_REPLAY_LIMIT} at most), then the live ones. EventSource sends it by itself.`,
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'an endless text/event-stream' })
  @ApiErrors(400)
  streamEvents(@Headers('last-event-id') lastEventId?: string): Observable<MessageEvent> {
    if (lastEventId === undefined || lastEventId === '') return this.events.stream();
    if (!/^\d{1,15}$/.test(lastEventId.trim())) {
      throw new BadInputError('Last-Event-ID must be the id of an event (a whole number)');
    }
    return this.events.stream(Number(lastEventId.trim()));
  }
}
