import { Injectable, Logger, MessageEvent } from '@nestjs/common';
import { interval, map, merge, Observable, takeUntil } from 'rxjs';
import { EventQuery, EventsRepository } from '../database/events.repository';
import { StoredEvent } from '../database/records';
import { BusMessage, ClusterBus, ClusterEvent } from './cluster-bus';

/** At most this many stored events are replayed to a client that reconnects (the newest ones). */
export const STREAM_REPLAY_LIMIT = 1000;
const KEEPALIVE_MS = 15000;

/** Cluster events carry their id as the SSE `id`, so a reconnecting client can say where it was. */
function toMessage(m: BusMessage): MessageEvent {
  return m.kind === 'event'
    ? { type: 'event', id: m.data.id, data: m.data }
    : { type: m.kind, data: m.data };
}

export type EventFilter = EventQuery;

/** An event as the API and the live stream show it. */
function toEvent(r: StoredEvent): ClusterEvent {
  return {
    id: String(r.id),
    type: r.type,
    reason: r.reason,
    object: r.object,
    message: r.message,
    namespace: r.namespace ?? 'default',
    created_at: new Date(r.created_at).toISOString(),
  };
}

/** Kubernetes-style events: stored in PostgreSQL and pushed to the live stream. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    private readonly repository: EventsRepository,
    private readonly bus: ClusterBus,
  ) {}

  private queue: Array<{
    type: 'Normal' | 'Warning';
    reason: string;
    object: string;
    message: string;
    namespace: string | null;
    done: () => void;
  }> = [];
  private flushing: Promise<void> | null = null;

  /**
   * Records an event; resolves once it is stored. Events recorded together (many
   * requests at once) are written in one multi-row insert. An event that cannot be
   * stored is logged, never fatal to the caller. A pod's event takes `namespace` (its pod's);
   * without one the database gives it the namespace of the one pod of that name, else `default`.
   */
  record(
    type: 'Normal' | 'Warning',
    reason: string,
    object: string,
    message: string,
    namespace?: string,
  ): Promise<void> {
    return new Promise((done) => {
      this.queue.push({
        type,
        reason,
        object: object.slice(0, 80),
        message,
        namespace: namespace ?? null,
        done,
      });
      if (!this.flushing)
        this.flushing = new Promise((r) => setImmediate(r)).then(() => this.flush());
    });
  }

  /** Pushes events stored by another statement (a pod's binding) to the live stream. */
  announce(events: StoredEvent[]): void {
    for (const e of events) this.bus.publish({ kind: 'event', data: toEvent(e) });
  }

  private async flush(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, 500);
      try {
        const rows = await this.repository.insert(batch);
        this.announce(batch.map((e, i) => ({ ...e, ...rows[i] })));
      } catch (err) {
        this.logger.warn(`could not record ${batch.length} events: ${(err as Error).message}`);
      } finally {
        batch.forEach((e) => e.done());
      }
    }
    this.flushing = null;
  }

  /**
   * The live stream. With `afterId` (the SSE Last-Event-ID of a client that reconnects), the
   * stored events after it come first, oldest first, then the live ones: live messages that
   * arrive while the stored ones are read wait, and an event in both is sent once.
   */
  stream(afterId?: number): Observable<MessageEvent> {
    const live = this.bus.messages.pipe(map(toMessage));
    // a keepalive so proxies keep the stream open and clients can tell a dead one
    const keepalive = interval(KEEPALIVE_MS).pipe(map(() => ({ type: 'ping', data: {} })));
    const messages =
      afterId === undefined
        ? live
        : new Observable<MessageEvent>((out) => {
            const waiting: MessageEvent[] = [];
            let replayed: Set<string> | null = null;
            const subscription = live.subscribe({
              next: (m) => {
                if (!replayed) waiting.push(m);
                else if (!(m.type === 'event' && replayed.has(String(m.id)))) out.next(m);
              },
              error: (err) => out.error(err),
              complete: () => out.complete(),
            });
            this.since(afterId, STREAM_REPLAY_LIMIT)
              .catch((err: Error) => {
                this.logger.warn(`could not replay events after ${afterId}: ${err.message}`);
                return [] as ClusterEvent[];
              })
              .then((events) => {
                replayed = new Set(events.map((e) => e.id));
                for (const e of events) out.next({ type: 'event', id: e.id, data: e });
                for (const m of waiting.splice(0)) {
                  if (!(m.type === 'event' && replayed.has(String(m.id)))) out.next(m);
                }
              });
            return () => subscription.unsubscribe();
          });
    return merge(messages, keepalive).pipe(takeUntil(this.bus.closing));
  }

  /** The newest `limit` events after `afterId`, oldest first. */
  private async since(afterId: number, limit: number): Promise<ClusterEvent[]> {
    const rows = await this.repository.newestAfter(afterId, limit);
    return rows.map(toEvent).reverse();
  }

  async list(filter: EventFilter): Promise<ClusterEvent[]> {
    return (await this.repository.list(filter)).map(toEvent);
  }
}
