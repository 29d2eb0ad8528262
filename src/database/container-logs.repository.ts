import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The `container_logs` table: the lines the containers printed, as their nodes sent them. */
@Injectable()
export class ContainerLogsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores lines a node's containers printed, only for pods bound to that node, and keeps
   * each container's last `keep` lines.
   */
  async appendLogs(
    nodeId: number,
    lines: Array<{ pod_id: number; container: string; at: string; text: string }>,
    keep: number,
  ): Promise<void> {
    if (!lines.length) return;
    await this.dataSource.query(
      `WITH l AS (
         SELECT (e->>'pod_id')::int AS pod_id, e->>'container' AS container,
                (e->>'at')::timestamptz AS at, e->>'text' AS text, n
           FROM json_array_elements($2::json) WITH ORDINALITY AS l(e, n)),
       ins AS (
         INSERT INTO container_logs (pod_id, container, at, line)
         SELECT l.pod_id, l.container, l.at, l.text FROM l
           JOIN pods p ON p.id = l.pod_id AND p.node_id = $1 ORDER BY l.n
         RETURNING pod_id, container)
       DELETE FROM container_logs c
        USING (SELECT DISTINCT pod_id, container FROM ins) t
        WHERE c.pod_id = t.pod_id AND c.container = t.container
          AND c.id <= (SELECT x.id FROM container_logs x
                        WHERE x.pod_id = t.pod_id AND x.container = t.container
                        ORDER BY x.id DESC OFFSET $3 LIMIT 1)`,
      [nodeId, JSON.stringify(lines), keep],
    );
  }

  /** A container's stored lines, oldest first: after an id, since a time, the last `tail`. */
  async readLogs(
    podId: number,
    container: string,
    options: { afterId?: string; since?: Date; tail?: number },
  ): Promise<Array<{ id: string; at: Date; line: string }>> {
    const where = ['pod_id = $1', 'container = $2'];
    const params: unknown[] = [podId, container];
    if (options.afterId !== undefined) where.push(`id > $${params.push(options.afterId)}`);
    if (options.since) where.push(`at >= $${params.push(options.since.toISOString())}`);
    const limit = options.tail !== undefined ? `LIMIT $${params.push(options.tail)}` : '';
    const rows: Array<{ id: string; at: Date; line: string }> = await this.dataSource.query(
      `SELECT id::text AS id, at, line FROM container_logs WHERE ${where.join(' AND ')}
        ORDER BY id DESC ${limit}`,
      params,
    );
    return rows.reverse();
  }
}
