import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError } from '../common/errors';
import { DNS_LABEL } from '../common/validation';
import { Taint } from '../scheduler/strategies/types';
import { GroupCommitQueue } from './group-commit-queue';
import { isDatabaseUnavailable } from './pg-errors';
import { JoinedEventColumns, splitJoinedEvent } from './joined-event';
import { JudgedNode, NewNode, NodeRecord, StoredEvent } from './records';
import { Db, returning } from './sql';
import { StoreChanges } from './store-changes';

/** registrations inserted in one statement at most */
const REGISTRATION_BATCH = 128;

/** A registered node's row, with its RegisteredNode event's when the statement stored it. */
type RegisteredRow = NodeRecord & JoinedEventColumns;

export interface NodeFilter {
  status?: string;
  nodeType?: string;
  /** keyset cursor: only ids after this one */
  after?: number;
  limit: number;
  offset: number;
}

/**
 * The `nodes` table: a node's registration, reads, lifecycle transitions (status, cordon,
 * taints, runtime) and heartbeat token. Room on a node is the bindings' to change.
 */
@Injectable()
export class NodesRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: StoreChanges,
  ) {}

  /**
   * Registers a node; a name already taken is a ConflictError. Registrations that arrive
   * together are inserted in one statement (`GroupCommitQueue`), each answered once its
   * row is committed; two of one name never share a statement, so the second meets the
   * first's row. A node given its `registeredMessage` gets its RegisteredNode event in the
   * same statement, and back for the live stream.
   */
  async insertNode(node: NewNode): Promise<{ node: NodeRecord; event: StoredEvent | null }> {
    const row = await this.registrations.submit(node);
    if (row === 'exists') throw new ConflictError(`node "${node.name}" already exists`);
    const { rest, event } = splitJoinedEvent(row, (n) => `node/${n.name}`);
    return { node: rest, event };
  }

  private readonly registrations = new GroupCommitQueue<NewNode, RegisteredRow | 'exists'>({
    write: (nodes) => this.insertNodes(nodes),
    maxBatch: REGISTRATION_BATCH,
    key: (node) => node.name,
    retryAlone: (err) => !isDatabaseUnavailable(err),
  });

  /** One row per node, 'exists' for a name already taken, in the nodes' order. */
  private async insertNodes(nodes: NewNode[]): Promise<Array<RegisteredRow | 'exists'>> {
    const rows: RegisteredRow[] = await this.dataSource.query(
      `WITH v AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::jsonb[], $6::text[],
                              $7::text[], $8::text[])
                  WITH ORDINALITY AS v(name, node_type, cpu_total_m, memory_total_mb, labels,
                                       token_hash, runtime, message, i)),
       ins AS (
         INSERT INTO nodes (name, node_type, cpu_total_m, memory_total_mb, labels, token_hash, runtime, components)
         SELECT name, node_type, cpu_total_m, memory_total_mb, labels, token_hash, runtime, '{}'
           FROM v ORDER BY i
         ON CONFLICT DO NOTHING RETURNING *),
       ev AS (
         INSERT INTO events (type, reason, object, message)
         SELECT 'Normal', 'RegisteredNode', 'node/' || ins.name, v.message
           FROM ins JOIN v ON v.name = ins.name
          WHERE v.message IS NOT NULL
          ORDER BY ins.id
         RETURNING object, id, reason, message, namespace, created_at)
       SELECT ins.*, ev.id AS event_id, ev.reason AS event_reason, ev.message AS event_message,
              ev.namespace AS event_namespace, ev.created_at AS event_at
         FROM ins LEFT JOIN ev ON ev.object = 'node/' || ins.name`,
      [
        nodes.map((n) => n.name),
        nodes.map((n) => n.nodeType),
        nodes.map((n) => n.cpuTotalM),
        nodes.map((n) => n.memoryTotalMb),
        nodes.map((n) => JSON.stringify(n.labels)),
        nodes.map((n) => n.tokenHash),
        nodes.map((n) => n.runtime),
        nodes.map((n) => n.registeredMessage ?? null),
      ],
    );
    if (rows.length) this.changes.nodesChanged(rows.map((r) => r.id));
    const byName = new Map(rows.map((r) => [r.name, r]));
    return nodes.map((n) => byName.get(n.name) ?? 'exists');
  }

  /** A node by numeric id or by name. */
  async findNode(ref: string | number, db: Db = this.dataSource): Promise<NodeRecord | null> {
    const byId = typeof ref === 'number' || /^\d{1,9}$/.test(ref);
    // no name that is not a DNS-1123 label exists: such a reference never reaches the database
    if (!byId && !DNS_LABEL.test(String(ref))) return null;
    const [row] = await db.query(
      `SELECT n.*, (SELECT count(*)::int FROM pods p WHERE p.node_id = n.id) AS pod_count
         FROM nodes n WHERE ${byId ? 'n.id = $1' : 'n.name = $1'}`,
      [byId ? Number(ref) : ref],
    );
    return row ?? null;
  }

  async listNodes(filter: NodeFilter): Promise<NodeRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`n.health_status = $${params.push(filter.status)}`);
    if (filter.nodeType) where.push(`n.node_type = $${params.push(filter.nodeType)}`);
    if (filter.after !== undefined) where.push(`n.id > $${params.push(filter.after)}::bigint`);
    params.push(filter.limit, filter.offset);
    // pods counted per listed node through the node_id index, not over every pod
    return this.dataSource.query(
      `SELECT n.*, (SELECT count(*) FROM pods p WHERE p.node_id = n.id)::int AS pod_count
         FROM nodes n
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY n.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  async allNodes(): Promise<NodeRecord[]> {
    return this.dataSource.query(`SELECT * FROM nodes ORDER BY id`);
  }

  async nodesInStatus(statuses: string[]): Promise<NodeRecord[]> {
    return this.dataSource.query(`SELECT * FROM nodes WHERE health_status = ANY($1) ORDER BY id`, [
      statuses,
    ]);
  }

  /**
   * Every node in these statuses, with only what the health monitor judges it by. The
   * monitor reads this every tick over the whole cluster, so it reads few columns (no
   * labels, taints or components) and its times as epoch milliseconds, which cost far less
   * to parse than timestamps.
   */
  async nodesToJudge(statuses: string[]): Promise<JudgedNode[]> {
    const ms = (column: string) => `(extract(epoch FROM ${column}) * 1000)::float8 AS ${column}`;
    const rows: Array<{
      id: number;
      name: string;
      health_status: string;
      runtime: string;
      recovery_attempts: number;
      last_heartbeat_at: number | null;
      next_recovery_at: number | null;
      status_changed_at: number;
      created_at: number;
    }> = await this.dataSource.query(
      `SELECT id, name, health_status, runtime, recovery_attempts, ${ms('last_heartbeat_at')},
              ${ms('next_recovery_at')}, ${ms('status_changed_at')}, ${ms('created_at')}
         FROM nodes WHERE health_status = ANY($1) ORDER BY id`,
      [statuses],
    );
    const date = (t: number | null) => (t === null ? null : new Date(t));
    return rows.map((r) => ({
      ...r,
      last_heartbeat_at: date(r.last_heartbeat_at),
      next_recovery_at: date(r.next_recovery_at),
      status_changed_at: new Date(r.status_changed_at),
      created_at: new Date(r.created_at),
    }));
  }

  /** How many nodes carry this label with this value. */
  async countNodesLabelled(key: string, value: string): Promise<number> {
    const [row] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM nodes WHERE labels->>$1 = $2`,
      [key, value],
    );
    return row.n;
  }

  /** Nodes with a NoExecute taint, for the loop that evicts the pods not tolerating it. */
  async nodesWithNoExecuteTaints(): Promise<NodeRecord[]> {
    return this.dataSource.query(
      `SELECT * FROM nodes WHERE taints @> '[{"effect": "NoExecute"}]' ORDER BY id`,
    );
  }

  async podsVersion(nodeId: number): Promise<number | null> {
    const [row] = await this.dataSource.query(`SELECT pods_version FROM nodes WHERE id = $1`, [
      nodeId,
    ]);
    return row ? row.pods_version : null;
  }

  /** Replaces a node's taints (each NoExecute one keeps the time it was first added). */
  async setTaints(nodeId: number, taints: Taint[]): Promise<void> {
    await this.dataSource.query(`UPDATE nodes SET taints = $2, updated_at = now() WHERE id = $1`, [
      nodeId,
      JSON.stringify(taints),
    ]);
    this.changes.nodesChanged();
  }

  async setCordoned(nodeId: number, cordoned: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE nodes SET cordoned = $2, updated_at = now() WHERE id = $1`,
      [nodeId, cordoned],
    );
    this.changes.nodesChanged();
  }

  /**
   * Moves a node to a new status. `from`, when given, makes the change conditional
   * (another replica or request may have moved it first); returns whether it happened.
   */
  async setNodeStatus(
    nodeId: number,
    to: string,
    options: {
      from?: string[];
      recoveryAttempts?: number;
      nextRecoveryAt?: Date | null;
      /** only if the node has not beaten since this (the last beat its judge saw) */
      silentSince?: Date | null;
    } = {},
  ): Promise<boolean> {
    const sets = [`health_status = $2`, `status_changed_at = now()`, `updated_at = now()`];
    const params: unknown[] = [nodeId, to];
    if (options.recoveryAttempts !== undefined) {
      sets.push(`recovery_attempts = $${params.push(options.recoveryAttempts)}`);
    }
    if (options.nextRecoveryAt !== undefined) {
      sets.push(`next_recovery_at = $${params.push(options.nextRecoveryAt)}`);
    }
    let where = 'id = $1';
    if (options.from) where += ` AND health_status = ANY($${params.push(options.from)})`;
    if (options.silentSince !== undefined) {
      // timestamps come back in milliseconds, PostgreSQL keeps microseconds
      const p = `$${params.push(options.silentSince)}::timestamptz`;
      where += ` AND (last_heartbeat_at IS NULL OR last_heartbeat_at < ${p} + interval '1 millisecond')`;
    }
    const [, affected] = await this.dataSource.query(
      `UPDATE nodes SET ${sets.join(', ')} WHERE ${where}`,
      params,
    );
    if (affected > 0) this.changes.nodesChanged();
    return affected > 0;
  }

  /** The node's agent now belongs to another runtime; the old reference means nothing there. */
  async setNodeRuntime(nodeId: number, runtime: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE nodes SET runtime = $2, runtime_ref = NULL, updated_at = now() WHERE id = $1`,
      [nodeId, runtime],
    );
  }

  async setRuntimeRef(nodeId: number, ref: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE nodes SET runtime_ref = $2 WHERE id = $1`, [nodeId, ref]);
  }

  /**
   * Gives the node a new heartbeat token (the old one stops working). A stopped or
   * permanently failed node goes back to pending: its next agent's first beat revives it.
   */
  async replaceNodeToken(nodeId: number, tokenHash: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE nodes SET token_hash = $2, updated_at = now(),
              recovery_attempts = CASE WHEN health_status IN ('stopped', 'permanently_failed')
                                       THEN 0 ELSE recovery_attempts END,
              next_recovery_at = CASE WHEN health_status IN ('stopped', 'permanently_failed')
                                      THEN NULL ELSE next_recovery_at END,
              status_changed_at = CASE WHEN health_status IN ('stopped', 'permanently_failed')
                                       THEN now() ELSE status_changed_at END,
              health_status = CASE WHEN health_status IN ('stopped', 'permanently_failed')
                                   THEN 'pending' ELSE health_status END
        WHERE id = $1`,
      [nodeId, tokenHash],
    );
    this.changes.nodesChanged();
  }

  /** A node's new heartbeat token (its hash), as a relaunch hands the agent a new one. */
  async setNodeTokenHash(nodeId: number, tokenHash: string): Promise<void> {
    await this.dataSource.query(`UPDATE nodes SET token_hash = $2 WHERE id = $1`, [
      nodeId,
      tokenHash,
    ]);
  }

  /** Whether this call deleted the row (of concurrent deletes, only one does). */
  async deleteNodeRow(nodeId: number): Promise<boolean> {
    const rows = await returning(this.dataSource, `DELETE FROM nodes WHERE id = $1 RETURNING id`, [
      nodeId,
    ]);
    this.changes.nodesChanged();
    return rows.length > 0;
  }

  /** Nodes by status, pods by status and the cluster's CPU, for GET /cluster and /metrics. */
  async clusterCounts(): Promise<{
    nodes: Record<string, number>;
    pods: Record<string, number>;
    cpu: { total: number; allocated: number; used: number };
  }> {
    const [nodeRows, podRows, [cpu]] = await Promise.all([
      this.dataSource.query(`SELECT health_status AS s, count(*)::int AS n FROM nodes GROUP BY 1`),
      this.dataSource.query(`SELECT status AS s, count(*)::int AS n FROM pods GROUP BY 1`),
      this.dataSource.query(
        `SELECT COALESCE(sum(cpu_total_m), 0)::bigint AS total,
                COALESCE(sum(cpu_allocated_m), 0)::bigint AS allocated,
                COALESCE(sum(cpu_used_m) FILTER (WHERE health_status = 'healthy'), 0)::bigint AS used
           FROM nodes`,
      ),
    ]);
    const tally = (rows: Array<{ s: string; n: number }>) =>
      Object.fromEntries(rows.map((r) => [r.s, r.n]));
    return {
      nodes: tally(nodeRows),
      pods: tally(podRows),
      cpu: { total: Number(cpu.total), allocated: Number(cpu.allocated), used: Number(cpu.used) },
    };
  }
}
