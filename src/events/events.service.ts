import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ClusterBus, ClusterEvent } from './cluster-bus';

export interface EventFilter {
  type?: string;
  reason?: string;
  object?: string;
  limit: number;
  offset?: number;
}

/** Kubernetes-style events: stored in PostgreSQL and pushed to the live stream. */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: ClusterBus,
  ) {}

  /** Records an event; an event that cannot be stored is logged, never fatal to the caller. */
  async record(
    type: 'Normal' | 'Warning',
    reason: string,
    object: string,
    message: string,
  ): Promise<void> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO events (type, reason, object, message) VALUES ($1, $2, $3, $4)
         RETURNING id, created_at`,
        [type, reason, object.slice(0, 80), message],
      );
      const event: ClusterEvent = {
        id: String(row.id),
        type,
        reason,
        object,
        message,
        created_at: new Date(row.created_at).toISOString(),
      };
      this.bus.publish({ kind: 'event', data: event });
    } catch (err) {
      this.logger.warn(`could not record event ${reason} ${object}: ${(err as Error).message}`);
    }
  }

  async list(filter: EventFilter): Promise<ClusterEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.type) where.push(`type = $${params.push(filter.type)}`);
    if (filter.reason) where.push(`reason = $${params.push(filter.reason)}`);
    if (filter.object) where.push(`object = $${params.push(filter.object)}`);
    params.push(filter.limit, filter.offset ?? 0);
    const rows = await this.dataSource.query(
      `SELECT id, type, reason, object, message, created_at FROM events
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return rows.map((r: ClusterEvent & { created_at: Date }) => ({
      id: String(r.id),
      type: r.type,
      reason: r.reason,
      object: r.object,
      message: r.message,
      created_at: new Date(r.created_at).toISOString(),
    }));
  }
}
