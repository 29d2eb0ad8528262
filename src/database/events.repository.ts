import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StoredEvent } from './records';

/** An event to store; without a namespace the database gives it one (its pod's, else `default`). */
export interface NewEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  object: string;
  message: string;
  namespace: string | null;
}

export interface EventQuery {
  type?: string;
  reason?: string;
  object?: string;
  namespace?: string;
  limit: number;
  offset?: number;
  /** keyset cursor: only events older than this id */
  after?: number;
}

const COLUMNS = 'id, type, reason, object, message, namespace, created_at';

/** The `events` table. */
@Injectable()
export class EventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores the events in one statement; answers each one's id, namespace and time, in order. */
  insert(
    events: readonly NewEvent[],
  ): Promise<Array<{ id: string; namespace: string; created_at: Date }>> {
    return this.dataSource.query(
      `INSERT INTO events (type, reason, object, message, namespace)
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::text[], $5::varchar[])
       RETURNING id, namespace, created_at`,
      [
        events.map((e) => e.type),
        events.map((e) => e.reason),
        events.map((e) => e.object),
        events.map((e) => e.message),
        events.map((e) => e.namespace),
      ],
    );
  }

  /** The newest `limit` events after `afterId`, newest first. */
  newestAfter(afterId: number, limit: number): Promise<StoredEvent[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM events WHERE id > $1 ORDER BY id DESC LIMIT $2`,
      [afterId, limit],
    );
  }

  /** The events that match, newest first. */
  list(query: EventQuery): Promise<StoredEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.type) where.push(`type = $${params.push(query.type)}`);
    if (query.reason) where.push(`reason = $${params.push(query.reason)}`);
    if (query.object) where.push(`object = $${params.push(query.object)}`);
    if (query.namespace) where.push(`namespace = $${params.push(query.namespace)}`);
    // newest first: the cursor pages towards older events
    if (query.after !== undefined) where.push(`id < $${params.push(query.after)}`);
    params.push(query.limit, query.offset ?? 0);
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM events
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /**
   * The latest events of a node's story, oldest first: those about the node, and its
   * pods' evictions and moves off it (their messages name the node; node names are DNS
   * labels, so they hold no LIKE wildcard).
   */
  async nodeTimelineEvents(name: string, limit: number): Promise<StoredEvent[]> {
    const rows: StoredEvent[] = await this.dataSource.query(
      `SELECT * FROM (
         SELECT id, type, reason, object, message, created_at FROM events
          WHERE object = $1
             OR (reason IN ('PodEvicted', 'PodRescheduled', 'FailedScheduling')
                 AND (message LIKE $2 || ':%' OR message LIKE $2 || ',%'
                      OR message LIKE 'Rescheduled from ' || $3 || ' to %'))
          ORDER BY id DESC LIMIT $4) latest
        ORDER BY id`,
      [`node/${name}`, `Evicted from ${name}`, name, limit],
    );
    return rows;
  }
}
