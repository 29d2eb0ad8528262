import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StoredEvent } from '../database/records';
import { ClusterBus, ClusterEvent } from './cluster-bus';

export interface EventFilter {
  type?: string;
  reason?: string;
  object?: string;
  limit: number;
  offset?: number;
  /** keyset cursor: only events older than this id */
  after?: number;
}

/** An event as the API and the live stream show it. */
function toEvent(r: StoredEvent): ClusterEvent {
  return {
    id: String(r.id),
    type: r.type,
    reason: r.reason,
    object: r.object,
    message: r.message,
    created_at: new Date(r.created_at).toISOString(),
  };
}

/** Kubernetes-style events: stored in PostgreSQL and pushed to the live stream. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: ClusterBus,
  ) {}

  private queue: Array<{
    type: 'Normal' | 'Warning';
    reason: string;
    object: string;
    message: string;
    done: () => void;
  }> = [];
  private flushing: Promise<void> | null = null;

  /**
   * Records an event; resolves once it is stored. Events recorded together (many
   * requests at once) are written in one multi-row insert. An event that cannot be
   * stored is logged, never fatal to the caller.
   */
  record(
    type: 'Normal' | 'Warning',
    reason: string,
    object: string,
    message: string,
  ): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ type, reason, object: object.slice(0, 80), message, done });
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
        const rows: Array<{ id: string; created_at: Date }> = await this.dataSource.query(
          `INSERT INTO events (type, reason, object, message)
           SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[])
           RETURNING id, created_at`,
          [
            batch.map((e) => e.type),
            batch.map((e) => e.reason),
            batch.map((e) => e.object),
            batch.map((e) => e.message),
          ],
        );
        this.announce(batch.map((e, i) => ({ ...e, ...rows[i] })));
      } catch (err) {
        this.logger.warn(`could not record ${batch.length} events: ${(err as Error).message}`);
      } finally {
        batch.forEach((e) => e.done());
      }
    }
    this.flushing = null;
  }

  async list(filter: EventFilter): Promise<ClusterEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.type) where.push(`type = $${params.push(filter.type)}`);
    if (filter.reason) where.push(`reason = $${params.push(filter.reason)}`);
    if (filter.object) where.push(`object = $${params.push(filter.object)}`);
    // newest first: the cursor pages towards older events
    if (filter.after !== undefined) where.push(`id < $${params.push(filter.after)}`);
    params.push(filter.limit, filter.offset ?? 0);
    const rows = await this.dataSource.query(
      `SELECT id, type, reason, object, message, created_at FROM events
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map(toEvent);
  }
}
