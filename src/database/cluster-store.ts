import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors';
import { podIp } from '../common/units';
import { DNS_LABEL } from '../common/validation';
import { toleratesCordon, viewTaints } from '../scheduler/strategies/constraints';
import { NodeView, PodConstraints, Taint } from '../scheduler/strategies/types';
import {
  BoundPod,
  DecisionRecord,
  DecisionWrite,
  NewNode,
  NewPod,
  NodeRecord,
  PodRecord,
  StoredEvent,
} from './records';
import { StoreChanges } from './store-changes';

/** Where a repository's statement runs: the pool, or the caller's transaction. */
export type Db = Pick<EntityManager, 'query'>;

/** the settings key where the health monitor leaves the cluster-wide disruption (JSON) */
export const DISRUPTION_SETTING = 'cluster.disruption';

/**
 * Rows of an UPDATE or DELETE … RETURNING: TypeORM's postgres driver answers those
 * with [rows, affectedCount] where a SELECT or INSERT gives the rows alone.
 */
async function returning<T = Record<string, any>>(
  db: Db,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await db.query(sql, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** decisions kept per pod: the latest and its history */
export const DECISIONS_KEPT = 10;
/** deferred creation decisions written in one statement at most */
const DECISION_BATCH = 256;
/** deferred decisions queued beyond this make the next pod batch wait for them */
const DECISION_BACKLOG = 4 * DECISION_BATCH;
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';
const DEADLOCK = '40P01';
const SERIALIZATION_FAILURE = '40001';

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === UNIQUE_VIOLATION;
}

/** A pod with its containers, volumes and config, in one round trip. */
const POD_SELECT = `
  SELECT p.id, p.name, p.namespace, p.status, p.node_id, n.name AS node_name, p.reason, p.ip,
         p.cpu_req_m, p.memory_req_mb, p.scheduler_algorithm, p.restart_count, p.restart_policy,
         p.labels, p.annotations, p.scheduling, p.owner_references, p.generate_name, p.scheduled_at, p.started_at, p.finished_at, p.created_at, p.updated_at,
         COALESCE((SELECT json_agg(json_build_object('name', c.name, 'image', c.image,
                     'cpu_req_m', c.cpu_req_m, 'memory_req_mb', c.memory_req_mb,
                     'cpu_limit_m', c.cpu_limit_m, 'memory_limit_mb', c.memory_limit_mb,
                     'command', c.command, 'args', c.args, 'status', c.status,
                     'restart_count', c.restart_count, 'state', c.state) ORDER BY c.id)
                   FROM containers c WHERE c.pod_id = p.id), '[]') AS containers,
         COALESCE((SELECT json_agg(json_build_object('name', v.name, 'type', v.type,
                     'size_gb', v.size_gb, 'path', v.path) ORDER BY v.id)
                   FROM volumes v WHERE v.pod_id = p.id), '[]') AS volumes,
         COALESCE((SELECT json_agg(json_build_object('name', ci.name, 'type', ci.type,
                     'key', ci.key, 'value', ci.value) ORDER BY ci.id)
                   FROM config_items ci WHERE ci.pod_id = p.id), '[]') AS config
    FROM pods p LEFT JOIN nodes n ON n.id = p.node_id`;

/**
 * A node that may take pods: the database's own check, whatever the caller ranked.
 * `cordonOk` is the SQL of whether the pod tolerates a cordon (a DaemonSet's pods do).
 */
const bindable = (cordonOk: string) => `health_status = 'healthy' AND (NOT cordoned OR ${cordonOk})
  AND node_type = 'worker'
  AND components->>'kubelet' = 'running' AND components->>'container_runtime' = 'running'`;

const NODE_VIEW_SELECT = `
  SELECT id, name, node_type, health_status, cordoned, cpu_total_m, cpu_allocated_m,
         memory_total_mb, memory_allocated_mb, labels, taints,
         COALESCE(components->>'kubelet', 'unknown') AS kubelet,
         COALESCE(components->>'container_runtime', 'unknown') AS container_runtime
    FROM nodes`;

interface NodeViewRow {
  id: number;
  name: string;
  node_type: 'worker' | 'master';
  health_status: string;
  cordoned: boolean;
  cpu_total_m: number;
  cpu_allocated_m: number;
  memory_total_mb: number | null;
  memory_allocated_mb: number;
  labels: Record<string, string> | null;
  taints: Taint[] | null;
  kubelet: string;
  container_runtime: string;
}

/**
 * Each node's taints are worded here, once per read, so placements never build strings.
 * A plain literal, every field named: an object made by spreading (`{...viewTaints(…), …}`)
 * made each property read of a placement's node checks about 17× slower in V8.
 */
const toNodeView = (r: NodeViewRow): NodeView => {
  const { taints, hardTaints } = viewTaints(r.taints);
  return {
    taints,
    hardTaints,
    labels: r.labels ?? {},
    id: r.id,
    name: r.name,
    nodeType: r.node_type,
    healthStatus: r.health_status,
    cordoned: r.cordoned,
    kubelet: r.kubelet,
    containerRuntime: r.container_runtime,
    cpuTotalM: r.cpu_total_m,
    cpuAllocatedM: r.cpu_allocated_m,
    memoryTotalMb: r.memory_total_mb,
    memoryAllocatedMb: r.memory_allocated_mb,
  };
};

export interface PodFilter {
  status?: string;
  /** one namespace; all when absent */
  namespace?: string;
  nodeId?: number;
  /** keyset cursor: only ids after this one */
  after?: number;
  limit: number;
  offset: number;
}

export interface NodeFilter {
  status?: string;
  nodeType?: string;
  /** keyset cursor: only ids after this one */
  after?: number;
  limit: number;
  offset: number;
}

export interface HeartbeatWrite {
  cpuUsedM: number;
  components: Record<string, string>;
  /** pods the agent reports running */
  runningPodIds: number[];
  failedPodIds: number[];
  /** the agent's last beat before it exits */
  terminating: boolean;
}

export interface HeartbeatOutcome {
  previousStatus: string;
  node: NodeRecord;
  startedPodIds: number[];
}

/**
 * Every query and transaction that guards kubesim's invariants: a binding never
 * overcommits a node (the database decides, by a conditional update that takes the
 * node's row lock), and a node's allocated CPU always equals the sum of its pods'.
 */
@Injectable()
export class ClusterStore implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterStore.name);
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: StoreChanges,
  ) {}

  /** Whether PostgreSQL answers (readiness). */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** A node's new heartbeat token (its hash), as a relaunch hands the agent a new one. */
  async setNodeTokenHash(nodeId: number, tokenHash: string): Promise<void> {
    await this.dataSource.query(`UPDATE nodes SET token_hash = $2 WHERE id = $1`, [
      nodeId,
      tokenHash,
    ]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.decisionsWritten();
  }

  /** Called whenever this process changes which nodes may take pods (status, cordon, set of nodes). */
  onNodesChanged(listener: () => void): void {
    this.changes.onNodesChanged(listener);
  }

  private nodesChanged(): void {
    this.changes.nodesChanged();
  }

  /** Called when this process changes a node's pods (its pods_version rises). */
  onPodsChanged(listener: (nodeId: number) => void): void {
    this.changes.onPodsChanged(listener);
  }

  private podsChanged(nodeId: number): void {
    this.changes.podsChanged(nodeId);
  }

  async podsVersion(nodeId: number): Promise<number | null> {
    const [row] = await this.dataSource.query(`SELECT pods_version FROM nodes WHERE id = $1`, [
      nodeId,
    ]);
    return row ? row.pods_version : null;
  }

  /** Runs work in a transaction, again (up to 3 times) when PostgreSQL breaks a deadlock. */
  async transaction<T>(work: (db: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(work);
      } catch (err) {
        const code = (err as { code?: string })?.code;
        if (attempt >= 3 || (code !== DEADLOCK && code !== SERIALIZATION_FAILURE)) throw err;
      }
    }
  }

  // ---- nodes ----------------------------------------------------------------

  async insertNode(node: NewNode): Promise<NodeRecord> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO nodes (name, node_type, cpu_total_m, memory_total_mb, labels, token_hash, runtime, components)
         VALUES ($1, $2, $3, $4, $5, $6, $7, '{}') RETURNING *`,
        [
          node.name,
          node.nodeType,
          node.cpuTotalM,
          node.memoryTotalMb,
          JSON.stringify(node.labels),
          node.tokenHash,
          node.runtime,
        ],
      );
      this.nodesChanged();
      return row;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`node "${node.name}" already exists`);
      throw err;
    }
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

  /** Replaces a node's taints (each NoExecute one keeps the time it was first added). */
  async setTaints(nodeId: number, taints: Taint[]): Promise<void> {
    await this.dataSource.query(`UPDATE nodes SET taints = $2, updated_at = now() WHERE id = $1`, [
      nodeId,
      JSON.stringify(taints),
    ]);
    this.nodesChanged();
  }

  /** Nodes with a NoExecute taint, for the loop that evicts the pods not tolerating it. */
  async nodesWithNoExecuteTaints(): Promise<NodeRecord[]> {
    return this.dataSource.query(
      `SELECT * FROM nodes WHERE taints @> '[{"effect": "NoExecute"}]' ORDER BY id`,
    );
  }

  /** The pods bound to a node with what NoExecute eviction needs of each. */
  async podsForTaintEviction(
    nodeId: number,
  ): Promise<
    Array<{ id: number; name: string; scheduledAt: Date | null; scheduling: PodConstraints | null }>
  > {
    const rows = await this.dataSource.query(
      `SELECT id, name, scheduled_at, scheduling FROM pods WHERE node_id = $1 ORDER BY id`,
      [nodeId],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as number,
      name: r.name as string,
      scheduledAt: r.scheduled_at as Date | null,
      scheduling: r.scheduling as PodConstraints | null,
    }));
  }

  async setCordoned(nodeId: number, cordoned: boolean): Promise<void> {
    await this.dataSource.query(
      `UPDATE nodes SET cordoned = $2, updated_at = now() WHERE id = $1`,
      [nodeId, cordoned],
    );
    this.nodesChanged();
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
    if (affected > 0) this.nodesChanged();
    return affected > 0;
  }

  /** The node's agent now belongs to another runtime; the old reference means nothing there. */
  async setNodeRuntime(nodeId: number, runtime: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE nodes SET runtime = $2, runtime_ref = NULL, updated_at = now() WHERE id = $1`,
      [nodeId, runtime],
    );
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
    this.nodesChanged();
  }

  async setRuntimeRef(nodeId: number, ref: string | null): Promise<void> {
    await this.dataSource.query(`UPDATE nodes SET runtime_ref = $2 WHERE id = $1`, [nodeId, ref]);
  }

  /**
   * Records a heartbeat in one statement: last-seen time, count, reported CPU and
   * components; a pending, not ready, failed or recovering node becomes healthy. Then marks the
   * pods the agent reports as running.
   */
  async recordHeartbeat(nodeId: number, beat: HeartbeatWrite): Promise<HeartbeatOutcome | null> {
    // an agent's last beat on its way out ('terminating') revives nothing
    const revive = beat.terminating
      ? `'__never__'`
      : `'pending', 'not_ready', 'failed', 'recovering'`;
    const [row] = await returning(
      this.dataSource,
      `WITH prev AS (SELECT id, health_status FROM nodes WHERE id = $1 FOR UPDATE)
       UPDATE nodes n SET
              last_heartbeat_at = now(),
              heartbeat_count = n.heartbeat_count + 1,
              cpu_used_m = $2,
              components = $3,
              health_status = CASE WHEN n.health_status IN (${revive})
                                   THEN 'healthy' ELSE n.health_status END,
              status_changed_at = CASE WHEN n.health_status IN (${revive})
                                   THEN now() ELSE n.status_changed_at END,
              recovery_attempts = CASE WHEN n.health_status IN (${revive})
                                   THEN 0 ELSE n.recovery_attempts END,
              next_recovery_at = CASE WHEN n.health_status IN (${revive})
                                   THEN NULL ELSE n.next_recovery_at END
         FROM prev WHERE n.id = prev.id
       RETURNING prev.health_status AS previous_status, n.*`,
      [nodeId, beat.cpuUsedM, JSON.stringify(beat.components)],
    );
    if (!row) return null;
    const { previous_status: previousStatus, ...node } = row;
    if (previousStatus !== node.health_status) this.nodesChanged();
    let startedPodIds: number[] = [];
    if (node.health_status === 'healthy') {
      if (beat.runningPodIds.length) {
        const started = await returning<{ id: number }>(
          this.dataSource,
          `UPDATE pods SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now()
            WHERE node_id = $1 AND id = ANY($2) AND status IN ('scheduled', 'failed') RETURNING id`,
          [nodeId, beat.runningPodIds],
        );
        startedPodIds = started.map((r) => r.id);
      }
      if (beat.failedPodIds.length) {
        await this.dataSource.query(
          `UPDATE pods SET status = 'failed', updated_at = now()
            WHERE node_id = $1 AND id = ANY($2) AND status <> 'failed'`,
          [nodeId, beat.failedPodIds],
        );
      }
    }
    return { previousStatus, node: node as NodeRecord, startedPodIds };
  }

  /**
   * Writes buffered routine heartbeats in one statement. Returns only the nodes that are
   * not as the buffer assumed: gone (status null), no longer healthy, or whose pods
   * changed (pods_version not the one given) — nothing for the thousands that are.
   */
  async flushHeartbeats(
    beats: Array<{
      nodeId: number;
      at: Date;
      beats: number;
      cpuUsedM: number;
      podsVersion: number;
    }>,
  ): Promise<Array<{ id: number; health_status: string | null }>> {
    if (!beats.length) return [];
    return this.dataSource.query(
      `WITH v AS (
         SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::int[], $4::int[], $5::int[])
                  AS v(id, at, beats, cpu, version)),
       u AS (
         UPDATE nodes n SET last_heartbeat_at = GREATEST(n.last_heartbeat_at, v.at),
                            heartbeat_count = n.heartbeat_count + v.beats,
                            cpu_used_m = v.cpu
           FROM v WHERE n.id = v.id
         RETURNING n.id, n.health_status, n.pods_version)
       SELECT v.id, u.health_status FROM v LEFT JOIN u ON u.id = v.id
        WHERE u.id IS NULL OR u.health_status <> 'healthy' OR u.pods_version <> v.version`,
      [
        beats.map((b) => b.nodeId),
        beats.map((b) => b.at.toISOString()),
        beats.map((b) => b.beats),
        beats.map((b) => b.cpuUsedM),
        beats.map((b) => b.podsVersion),
      ],
    );
  }

  async updateContainerStatuses(
    podId: number,
    containers: Array<{
      name: string;
      status: string;
      restart_count: number;
      state?: Record<string, unknown> | null;
    }>,
  ): Promise<void> {
    if (!containers.length) return;
    await this.dataSource.query(
      `UPDATE containers c SET status = r.status, restart_count = r.restart_count, state = r.state
         FROM json_to_recordset($2) AS r(name text, status text, restart_count int, state jsonb)
        WHERE c.pod_id = $1 AND c.name = r.name
          AND (c.status <> r.status OR c.restart_count <> r.restart_count
               OR c.state IS DISTINCT FROM r.state)`,
      [podId, JSON.stringify(containers.map((c) => ({ ...c, state: c.state ?? null })))],
    );
  }

  /**
   * Pods whose containers ended for good on their node (Succeeded or Failed by their
   * restart policy): their status and reason set, their room on the node given back, in
   * one transaction. Returns those that changed now (not the ones finished before).
   */
  async finishPods(
    nodeId: number,
    finished: Array<{ id: number; status: 'succeeded' | 'failed'; reason: string | null }>,
  ): Promise<Array<{ id: number; name: string; status: string; reason: string | null }>> {
    if (!finished.length) return [];
    return this.transaction(async (db) => {
      await db.query(`SELECT id FROM nodes WHERE id = $1 FOR UPDATE`, [nodeId]);
      const rows = await returning<{
        id: number;
        name: string;
        status: string;
        reason: string | null;
        cpu_req_m: number;
        memory_req_mb: number;
      }>(
        db,
        `UPDATE pods p SET status = f.status, reason = f.reason, finished_at = now(),
                           started_at = COALESCE(p.started_at, now()), updated_at = now()
           FROM json_to_recordset($2) AS f(id int, status text, reason text)
          WHERE p.id = f.id AND p.node_id = $1 AND p.finished_at IS NULL
          RETURNING p.id, p.name, p.status, p.reason, p.cpu_req_m, p.memory_req_mb`,
        [nodeId, JSON.stringify(finished)],
      );
      if (rows.length) {
        const cpu = rows.reduce((sum, r) => sum + r.cpu_req_m, 0);
        const mem = rows.reduce((sum, r) => sum + r.memory_req_mb, 0);
        await this.releaseCapacity(db, nodeId, cpu, mem);
      }
      return rows.map(({ id, name, status, reason }) => ({ id, name, status, reason }));
    });
  }

  /** The containers of pods a node reported running without per-container statuses. */
  async markContainersRunning(podIds: number[]): Promise<void> {
    await this.dataSource.query(
      `UPDATE containers SET status = 'running' WHERE pod_id = ANY($1) AND status <> 'running'`,
      [podIds],
    );
  }

  async nodesInStatus(statuses: string[]): Promise<NodeRecord[]> {
    return this.dataSource.query(`SELECT * FROM nodes WHERE health_status = ANY($1) ORDER BY id`, [
      statuses,
    ]);
  }

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

  /** Deletes the finished pods left on a node going away (as Kubernetes' pod GC does); their names. */
  async deleteFinishedPodsOfNode(nodeId: number): Promise<string[]> {
    const rows = await returning<{ name: string }>(
      this.dataSource,
      `DELETE FROM pods WHERE node_id = $1 AND finished_at IS NOT NULL RETURNING name`,
      [nodeId],
    );
    return rows.map((r) => r.name);
  }

  /** Whether this call deleted the row (of concurrent deletes, only one does). */
  async deleteNodeRow(nodeId: number): Promise<boolean> {
    const rows = await returning(this.dataSource, `DELETE FROM nodes WHERE id = $1 RETURNING id`, [
      nodeId,
    ]);
    this.nodesChanged();
    return rows.length > 0;
  }

  // ---- scheduling -----------------------------------------------------------

  async allNodeViews(db: Db = this.dataSource): Promise<NodeView[]> {
    const rows: NodeViewRow[] = await db.query(`${NODE_VIEW_SELECT} ORDER BY id`);
    return rows.map(toNodeView);
  }

  /**
   * Binds a pending pod to a node if, under the node's row lock, the node is still
   * eligible and has room. Returns the pod's IP, or null when the node was taken.
   */
  async bindPod(
    db: Db,
    pod: {
      id: number;
      cpuReqM: number;
      memoryReqMb: number;
      constraints?: PodConstraints | null;
    },
    nodeId: number,
  ): Promise<string | null> {
    const [node] = await returning(
      db,
      `UPDATE nodes SET cpu_allocated_m = cpu_allocated_m + $2,
                        memory_allocated_mb = memory_allocated_mb + $3,
                        ip_seq = ip_seq + 1, pods_version = pods_version + 1
        WHERE id = $1 AND ${bindable('$4::boolean')}
          AND cpu_allocated_m + $2 <= cpu_total_m
          AND (memory_total_mb IS NULL OR memory_allocated_mb + $3 <= memory_total_mb)
        RETURNING ip_seq, pods_version`,
      [nodeId, pod.cpuReqM, pod.memoryReqMb, toleratesCordon(pod.constraints)],
    );
    if (!node) return null;
    const ip = podIp(nodeId, node.ip_seq);
    const [, bound] = await db.query(
      `UPDATE pods SET node_id = $2, status = 'scheduled', ip = $3, reason = NULL,
                       spec_version = $4, scheduled_at = now(), updated_at = now()
        WHERE id = $1 AND node_id IS NULL`,
      [pod.id, nodeId, ip, node.pods_version],
    );
    if (bound === 0) {
      // the pod was bound or deleted meanwhile: give the room back
      await this.releaseCapacity(db, nodeId, pod.cpuReqM, pod.memoryReqMb);
      return null;
    }
    this.podsChanged(nodeId);
    return ip;
  }

  private async releaseCapacity(db: Db, nodeId: number, cpuM: number, memoryMb: number) {
    await db.query(
      `UPDATE nodes SET cpu_allocated_m = cpu_allocated_m - $2,
                        memory_allocated_mb = memory_allocated_mb - $3,
                        pods_version = pods_version + 1 WHERE id = $1`,
      [nodeId, cpuM, memoryMb],
    );
    this.podsChanged(nodeId);
  }

  async markPending(db: Db, podId: number, reason: string): Promise<void> {
    await db.query(
      `UPDATE pods SET status = 'pending', reason = $2, updated_at = now() WHERE id = $1 AND node_id IS NULL`,
      [podId, reason],
    );
  }

  /**
   * Takes a pod off its node and gives the node's room back, in the caller's
   * transaction; the caller places it again before committing. Null when the pod
   * is no longer on that node.
   */
  async unbindPod(
    db: Db,
    podId: number,
    nodeId: number,
  ): Promise<{
    id: number;
    name: string;
    cpuReqM: number;
    memoryReqMb: number;
    constraints: PodConstraints | null;
  } | null> {
    const [pod] = await returning(
      db,
      `UPDATE pods SET node_id = NULL, status = 'pending', ip = NULL, scheduled_at = NULL,
                       started_at = NULL, updated_at = now()
        WHERE id = $1 AND node_id = $2 RETURNING id, name, cpu_req_m, memory_req_mb, scheduling`,
      [podId, nodeId],
    );
    if (!pod) return null;
    await this.releaseCapacity(db, nodeId, pod.cpu_req_m, pod.memory_req_mb);
    await db.query(`UPDATE containers SET status = 'waiting' WHERE pod_id = $1`, [podId]);
    return {
      id: pod.id,
      name: pod.name,
      cpuReqM: pod.cpu_req_m,
      memoryReqMb: pod.memory_req_mb,
      constraints: pod.scheduling ?? null,
    };
  }

  /** A pod just unbound (in the caller's transaction) that must not be placed again. */
  async markUnboundPodFailed(db: Db, podId: number, reason: string): Promise<void> {
    await db.query(
      `UPDATE pods SET status = 'failed', reason = $2, updated_at = now() WHERE id = $1 AND node_id IS NULL`,
      [podId, reason],
    );
  }

  /** Pending pods, oldest first, locking each so two schedulers never place the same one. */
  async lockPendingPods(
    db: Db,
    limit: number,
  ): Promise<
    Array<{
      id: number;
      name: string;
      cpuReqM: number;
      memoryReqMb: number;
      constraints: PodConstraints | null;
      algorithm: string | null;
    }>
  > {
    const rows = await db.query(
      `SELECT id, name, cpu_req_m, memory_req_mb, scheduling, scheduler_algorithm FROM pods
        WHERE status = 'pending' AND node_id IS NULL
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as number,
      name: r.name as string,
      cpuReqM: r.cpu_req_m as number,
      memoryReqMb: r.memory_req_mb as number,
      constraints: (r.scheduling as PodConstraints | null) ?? null,
      algorithm: r.scheduler_algorithm as string | null,
    }));
  }

  // ---- scheduling decisions -------------------------------------------------

  /**
   * Stores a decision about a pod in the caller's transaction. A pod retried while
   * pending with the same outcome as its last decision updates that one (its time,
   * detail and attempts) instead of filling the history with copies; past
   * DECISIONS_KEPT the oldest go.
   */
  async recordDecision(db: Db, podId: number, decision: DecisionWrite): Promise<void> {
    const [row] = await db.query(
      `WITH last AS (
         SELECT id FROM scheduling_decisions WHERE pod_id = $1 ORDER BY id DESC LIMIT 1),
       same AS (
         UPDATE scheduling_decisions d
            SET attempts = d.attempts + 1, decided_at = now(), detail = $6
           FROM last
          WHERE d.id = last.id AND d.node_name IS NULL AND $4::text IS NULL
            AND d.reason = $5 AND d.algorithm = $3
          RETURNING d.id),
       added AS (
         INSERT INTO scheduling_decisions (pod_id, trigger, algorithm, node_name, reason, detail)
         SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM same)
         RETURNING id)
       SELECT (SELECT count(*) FROM added)::int AS added`,
      [
        podId,
        decision.trigger,
        decision.algorithm,
        decision.nodeName,
        decision.reason,
        JSON.stringify(decision.detail),
      ],
    );
    if (row.added) {
      await db.query(
        `DELETE FROM scheduling_decisions
          WHERE pod_id = $1 AND id <= (SELECT id FROM scheduling_decisions WHERE pod_id = $1
                                        ORDER BY id DESC OFFSET $2 LIMIT 1)`,
        [podId, DECISIONS_KEPT],
      );
    }
  }

  private readonly pendingDecisions: Array<DecisionWrite & { podId: number }> = [];
  private decisionWrite: Promise<void> | null = null;

  /**
   * The creation decisions of a committed pod batch, written by the next statement on
   * another connection rather than inside the batch: a decision's detail (a row per node
   * on small clusters, ~13 kB there) cost PostgreSQL more than the pods themselves, and the
   * one batch in flight waited for it. Readers of decisions wait for these writes first.
   */
  private deferDecisions(rows: Array<DecisionWrite & { podId: number }>): void {
    this.pendingDecisions.push(...rows);
    this.decisionWrite ??= this.writeDeferredDecisions();
  }

  private async writeDeferredDecisions(): Promise<void> {
    try {
      while (this.pendingDecisions.length) {
        const batch = this.pendingDecisions.splice(0, DECISION_BATCH);
        try {
          await this.insertDecisions(batch);
        } catch {
          // a pod deleted meanwhile fails the statement: the others go one by one
          for (const row of batch) {
            await this.insertDecisions([row]).catch((err: Error) =>
              this.logger.warn(
                `scheduling decision of pod ${row.podId} not stored: ${err.message}`,
              ),
            );
          }
        }
      }
    } finally {
      this.decisionWrite = null;
    }
  }

  private async insertDecisions(rows: Array<DecisionWrite & { podId: number }>): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO scheduling_decisions (pod_id, trigger, algorithm, node_name, reason, detail)
       SELECT r.pod_id, r.trigger, r.algorithm, r.node_name, r.reason, r.detail
         FROM json_to_recordset($1) AS r(ord int, pod_id int, trigger text, algorithm text,
                                          node_name text, reason text, detail jsonb)
        WHERE EXISTS (SELECT 1 FROM pods p WHERE p.id = r.pod_id)
        ORDER BY r.ord`,
      [
        JSON.stringify(
          rows.map((r, ord) => ({
            ord,
            pod_id: r.podId,
            trigger: r.trigger,
            algorithm: r.algorithm,
            node_name: r.nodeName,
            reason: r.reason,
            detail: r.detail,
          })),
        ),
      ],
    );
  }

  /** Resolves once every deferred decision queued so far is stored (or given up). */
  async decisionsWritten(): Promise<void> {
    while (this.decisionWrite) await this.decisionWrite;
  }

  /** A pod's decisions, newest first. */
  async decisionsOf(podId: number): Promise<DecisionRecord[]> {
    await this.decisionsWritten();
    return this.dataSource.query(
      `SELECT id::text, trigger, algorithm, node_name, reason, detail, attempts, decided_at
         FROM scheduling_decisions WHERE pod_id = $1 ORDER BY id DESC LIMIT $2`,
      [podId, DECISIONS_KEPT],
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

  // ---- pods -----------------------------------------------------------------

  /** Inserts a pending pod and its parts with multi-row inserts, in the caller's transaction. */
  async insertPod(db: Db, pod: NewPod): Promise<number> {
    let id: number;
    try {
      const [row] = await db.query(
        `INSERT INTO pods (name, status, cpu_req_m, memory_req_mb, scheduler_algorithm, labels, annotations,
                           namespace, scheduling, owner_references, generate_name, restart_policy)
         VALUES ($1, 'pending', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
        [
          pod.name,
          pod.cpuReqM,
          pod.memoryReqMb,
          pod.schedulerAlgorithm,
          JSON.stringify(pod.labels ?? {}),
          JSON.stringify(pod.annotations ?? {}),
          pod.namespace ?? 'default',
          pod.constraints ? JSON.stringify(pod.constraints) : null,
          JSON.stringify(pod.ownerReferences ?? []),
          pod.generateName ?? null,
          pod.restartPolicy ?? 'Always',
        ],
      );
      id = row.id;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`pod "${pod.name}" already exists`);
      if ((err as { code?: string })?.code === FOREIGN_KEY_VIOLATION)
        throw new NotFoundError('namespace', pod.namespace ?? 'default');
      throw err;
    }
    if (pod.containers.length) {
      await db.query(
        `INSERT INTO containers (pod_id, name, image, cpu_req_m, memory_req_mb, cpu_limit_m, memory_limit_mb, command, args)
         SELECT $1, r.name, r.image, r.cpu, r.mem, r.cpu_limit, r.mem_limit, r.command, r.args
           FROM json_to_recordset($2) AS r(name text, image text, cpu int, mem int, cpu_limit int, mem_limit int, command jsonb, args jsonb)`,
        [
          id,
          JSON.stringify(
            pod.containers.map((c) => ({
              name: c.name,
              image: c.image,
              cpu: c.cpuReqM,
              mem: c.memoryReqMb,
              // absent keys are NULL to json_to_recordset: no limit given
              ...(c.cpuLimitM != null ? { cpu_limit: c.cpuLimitM } : {}),
              ...(c.memoryLimitMb != null ? { mem_limit: c.memoryLimitMb } : {}),
              command: c.command,
              args: c.args,
            })),
          ),
        ],
      );
    }
    if (pod.volumes.length) {
      await db.query(
        `INSERT INTO volumes (pod_id, name, type, size_gb, path)
         SELECT $1, r.name, r.type, r.size, r.path
           FROM json_to_recordset($2) AS r(name text, type text, size float8, path text)`,
        [id, JSON.stringify(pod.volumes.map((v) => ({ ...v, size: v.sizeGb })))],
      );
    }
    if (pod.config.length) {
      await db.query(
        `INSERT INTO config_items (pod_id, name, type, key, value)
         SELECT $1, r.name, r.type, r.key, r.value
           FROM json_to_recordset($2) AS r(name text, type text, key text, value text)`,
        [id, JSON.stringify(pod.config)],
      );
    }
    return id;
  }

  /**
   * The fast path of pod creation, for a batch: binds each pod to the node chosen for it
   * and stores the pods with their parts and Scheduled events, all in one statement.
   * Each node takes its pods only if, under its row lock, it may still take pods and has
   * room for all of them; the pods of a node that refuses get null and nothing of them
   * is written. A pod whose name is taken already gets 'exists' and takes no room.
   * Their scheduling decisions go in the statement when `db` is a transaction, else in
   * the next one, once these pods are committed (`deferDecisions`).
   */
  async insertBoundPods(
    placements: Array<{ pod: NewPod; nodeId: number; event: string; decision?: DecisionWrite }>,
    db: Db = this.dataSource,
  ): Promise<Array<BoundPod | 'exists' | null>> {
    // outside a transaction the statement commits on its own: the decisions follow it
    const deferred = db === this.dataSource;
    const want = placements.map(({ pod, nodeId, event, decision: given }, idx) => {
      const decision = deferred ? undefined : given;
      return {
        idx,
        node_id: nodeId,
        name: pod.name,
        ns: pod.namespace ?? 'default',
        cpu: pod.cpuReqM,
        mem: pod.memoryReqMb,
        algo: pod.schedulerAlgorithm,
        msg: event,
        d_algo: decision?.algorithm ?? null,
        d_reason: decision?.reason ?? null,
        d_detail: decision?.detail ?? null,
        labels: pod.labels ?? {},
        annotations: pod.annotations ?? {},
        scheduling: pod.constraints ?? null,
        uc: toleratesCordon(pod.constraints),
        owners: pod.ownerReferences ?? [],
        gen: pod.generateName ?? null,
        policy: pod.restartPolicy ?? 'Always',
      };
    });
    const parts = <T>(pick: (pod: NewPod) => T[], shape: (item: T) => object) =>
      JSON.stringify(
        placements.flatMap(({ pod }) =>
          pick(pod).map((item) => ({
            pod: pod.name,
            ns: pod.namespace ?? 'default',
            ...shape(item),
          })),
        ),
      );
    try {
      const rows: Array<{
        id: number;
        name: string;
        ns: string;
        ip: string;
        node_id: number;
        node_name: string;
        created_at: Date;
        scheduled_at: Date;
        event_id: string;
        event_object: string;
        event_message: string;
        event_at: Date;
        taken: boolean;
      }> = await db.query(
        `WITH input AS (
           SELECT * FROM json_to_recordset($1) AS w(idx int, node_id int, name text, ns text, cpu int, mem int, algo text, msg text,
                                                    d_algo text, d_reason text, d_detail jsonb,
                                                    labels jsonb, annotations jsonb, scheduling jsonb, uc boolean, owners jsonb, gen text,
                                                    policy text)),
         taken AS (
           SELECT i.idx, i.name, i.ns FROM input i WHERE EXISTS (SELECT 1 FROM pods p WHERE p.namespace = i.ns AND p.name = i.name)),
         want AS (
           SELECT * FROM input i WHERE NOT EXISTS (SELECT 1 FROM taken t WHERE t.idx = i.idx)),
         per_node AS (
           SELECT node_id, sum(cpu)::int AS cpu, sum(mem)::int AS mem, count(*)::int AS n, bool_and(uc) AS uc
             FROM want GROUP BY node_id),
         bound AS (
           UPDATE nodes SET cpu_allocated_m = cpu_allocated_m + p.cpu,
                            memory_allocated_mb = memory_allocated_mb + p.mem,
                            ip_seq = ip_seq + p.n, pods_version = pods_version + p.n
             FROM per_node p
            WHERE nodes.id = p.node_id AND ${bindable('p.uc')}
              AND cpu_allocated_m + p.cpu <= cpu_total_m
              AND (memory_total_mb IS NULL OR memory_allocated_mb + p.mem <= memory_total_mb)
            RETURNING nodes.id, nodes.name, nodes.ip_seq - p.n AS seq0,
                      nodes.pods_version - p.n AS version0),
         placed AS (
           SELECT w.*, b.name AS node_name,
                  b.seq0 + row_number() OVER (PARTITION BY w.node_id ORDER BY w.idx) AS seq,
                  b.version0 + row_number() OVER (PARTITION BY w.node_id ORDER BY w.idx) AS version
             FROM want w JOIN bound b ON b.id = w.node_id),
         pod AS (
           INSERT INTO pods (name, namespace, status, node_id, ip, cpu_req_m, memory_req_mb, scheduler_algorithm,
                             labels, annotations, scheduling, owner_references, generate_name, scheduled_at, spec_version,
                             restart_policy)
           SELECT name, ns, 'scheduled', node_id,
                  '10.244.' || (node_id % 256) || '.' || (2 + (seq - 1) % 253), cpu, mem, algo,
                  labels, annotations, scheduling, owners, gen, now(), version, policy
             FROM placed ORDER BY idx
           RETURNING id, name, namespace, ip, node_id, created_at, scheduled_at),
         c AS (
           INSERT INTO containers (pod_id, name, image, cpu_req_m, memory_req_mb, cpu_limit_m, memory_limit_mb, command, args)
           SELECT pod.id, r.name, r.image, r.cpu, r.mem, r.cpu_limit, r.mem_limit, r.command, r.args
             FROM json_to_recordset($2) AS r(pod text, ns text, name text, image text, cpu int, mem int, cpu_limit int, mem_limit int, command jsonb, args jsonb)
             JOIN pod ON pod.name = r.pod AND pod.namespace = r.ns),
         v AS (
           INSERT INTO volumes (pod_id, name, type, size_gb, path)
           SELECT pod.id, r.name, r.type, r.size, r.path
             FROM json_to_recordset($3) AS r(pod text, ns text, name text, type text, size float8, path text)
             JOIN pod ON pod.name = r.pod AND pod.namespace = r.ns),
         ci AS (
           INSERT INTO config_items (pod_id, name, type, key, value)
           SELECT pod.id, r.name, r.type, r.key, r.value
             FROM json_to_recordset($4) AS r(pod text, ns text, name text, type text, key text, value text)
             JOIN pod ON pod.name = r.pod AND pod.namespace = r.ns),
         sd AS (
           INSERT INTO scheduling_decisions (pod_id, trigger, algorithm, node_name, reason, detail)
           SELECT pod.id, 'create', placed.d_algo, placed.node_name, placed.d_reason, placed.d_detail
             FROM pod JOIN placed ON placed.name = pod.name AND placed.ns = pod.namespace
            WHERE placed.d_algo IS NOT NULL),
         ev AS (
           INSERT INTO events (type, reason, object, message, namespace)
           SELECT 'Normal', 'Scheduled', 'pod/' || name, msg, ns FROM placed ORDER BY idx
           RETURNING id, object, message, namespace, created_at)
         SELECT pod.id, pod.name::text, pod.namespace::text AS ns, pod.ip::text, pod.node_id, placed.node_name::text, pod.created_at,
                pod.scheduled_at, ev.id AS event_id, ev.object::text AS event_object,
                ev.message AS event_message, ev.created_at AS event_at, false AS taken
           FROM pod JOIN placed ON placed.name = pod.name AND placed.ns = pod.namespace
           JOIN ev ON ev.object = 'pod/' || pod.name AND ev.namespace = pod.namespace
         UNION ALL
         SELECT NULL, name, ns, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, true FROM taken`,
        [
          JSON.stringify(want),
          parts(
            (pod) => pod.containers,
            (c) => ({
              name: c.name,
              image: c.image,
              cpu: c.cpuReqM,
              mem: c.memoryReqMb,
              // absent keys are NULL to json_to_recordset: no limit given
              ...(c.cpuLimitM != null ? { cpu_limit: c.cpuLimitM } : {}),
              ...(c.memoryLimitMb != null ? { mem_limit: c.memoryLimitMb } : {}),
              command: c.command,
              args: c.args,
            }),
          ),
          parts(
            (pod) => pod.volumes,
            (v) => ({ name: v.name, type: v.type, size: v.sizeGb, path: v.path }),
          ),
          parts(
            (pod) => pod.config,
            (c) => ({ name: c.name, type: c.type, key: c.key, value: c.value }),
          ),
        ],
      );
      const byName = new Map(rows.map((r) => [`${r.ns}/${r.name}`, r]));
      for (const nodeId of new Set(rows.filter((r) => !r.taken).map((r) => r.node_id)))
        this.podsChanged(nodeId);
      if (deferred) {
        const decisions: Array<DecisionWrite & { podId: number }> = [];
        for (const { pod, decision } of placements) {
          const row = byName.get(`${pod.namespace ?? 'default'}/${pod.name}`);
          if (decision && row && !row.taken)
            decisions.push({ ...decision, nodeName: row.node_name, podId: row.id });
        }
        if (decisions.length) this.deferDecisions(decisions);
        // PostgreSQL falling behind on them slows creations rather than filling memory
        if (this.pendingDecisions.length > DECISION_BACKLOG) await this.decisionsWritten();
      }
      return placements.map(({ pod }) => {
        const row = byName.get(`${pod.namespace ?? 'default'}/${pod.name}`);
        if (row?.taken) return 'exists' as const;
        return row
          ? {
              id: row.id,
              ip: row.ip,
              nodeId: row.node_id,
              nodeName: row.node_name,
              createdAt: row.created_at,
              scheduledAt: row.scheduled_at,
              event: {
                id: row.event_id,
                type: 'Normal' as const,
                reason: 'Scheduled',
                object: row.event_object,
                message: row.event_message,
                namespace: row.ns,
                created_at: row.event_at,
              },
            }
          : null;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('a pod of this batch already exists');
      throw err;
    }
  }

  /**
   * A pod by numeric id (in any namespace unless one is given) or by name within a
   * namespace: a bare name means `default`.
   */
  async findPod(
    ref: string | number,
    namespace?: string,
    db: Db = this.dataSource,
  ): Promise<PodRecord | null> {
    const byId = typeof ref === 'number' || /^\d{1,9}$/.test(ref);
    if (!byId && !DNS_LABEL.test(String(ref))) return null;
    const [row] = byId
      ? await db.query(`${POD_SELECT} WHERE p.id = $1 AND ($2::text IS NULL OR p.namespace = $2)`, [
          Number(ref),
          namespace ?? null,
        ])
      : await db.query(`${POD_SELECT} WHERE p.namespace = $1 AND p.name = $2`, [
          namespace ?? 'default',
          ref,
        ]);
    return row ?? null;
  }

  async listPods(filter: PodFilter): Promise<PodRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) where.push(`p.status = $${params.push(filter.status)}`);
    if (filter.namespace !== undefined)
      where.push(`p.namespace = $${params.push(filter.namespace)}`);
    if (filter.nodeId !== undefined) where.push(`p.node_id = $${params.push(filter.nodeId)}`);
    if (filter.after !== undefined) where.push(`p.id > $${params.push(filter.after)}::bigint`);
    params.push(filter.limit, filter.offset);
    return this.dataSource.query(
      `${POD_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY p.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }

  /** The full specs of the pods a node must run (secret values still sealed). */
  async podsOfNode(nodeId: number): Promise<PodRecord[]> {
    return this.dataSource.query(`${POD_SELECT} WHERE p.node_id = $1 ORDER BY p.id`, [nodeId]);
  }

  /**
   * The node's pods_version with the id, name and spec_version of each pod bound to it,
   * read in one statement so the list is the one of that version.
   */
  async podIndexOfNode(nodeId: number): Promise<{
    version: number;
    pods: Array<{ id: number; name: string; spec_version: number }>;
  } | null> {
    const [row] = await this.dataSource.query(
      `SELECT n.pods_version AS version,
              COALESCE((SELECT json_agg(json_build_object('id', p.id, 'name', p.name,
                          'spec_version', p.spec_version) ORDER BY p.id)
                          FROM pods p WHERE p.node_id = n.id), '[]') AS pods
         FROM nodes n WHERE n.id = $1`,
      [nodeId],
    );
    return row ?? null;
  }

  /** Full specs of these pods while they are still bound to the node (secret values still sealed). */
  async podsOnNode(nodeId: number, podIds: number[]): Promise<PodRecord[]> {
    if (!podIds.length) return [];
    return this.dataSource.query(
      `${POD_SELECT} WHERE p.node_id = $1 AND p.id = ANY($2) ORDER BY p.id`,
      [nodeId, podIds],
    );
  }

  /**
   * Marks pods failed with a reason (their spec could not be delivered, or their agent
   * said why); returns the names of those whose status or reason changed.
   */
  async failPods(
    failures: Array<{ id: number; reason: string }>,
    nodeId: number | null = null,
  ): Promise<string[]> {
    if (!failures.length) return [];
    const rows = await returning<{ name: string }>(
      this.dataSource,
      `UPDATE pods p SET status = 'failed', reason = f.reason, updated_at = now()
         FROM json_to_recordset($1) AS f(id int, reason text)
        WHERE p.id = f.id AND ($2::int IS NULL OR p.node_id = $2)
          AND (p.status <> 'failed' OR p.reason IS DISTINCT FROM f.reason)
        RETURNING p.name`,
      [JSON.stringify(failures), nodeId],
    );
    return rows.map((r) => r.name);
  }

  /** A page of the stored encrypted secret values, by config item id (for the boot check). */
  async sealedSecrets(
    afterId: number,
    limit: number,
  ): Promise<Array<{ id: number; pod_id: number; pod_name: string; value: string }>> {
    return this.dataSource.query(
      `SELECT ci.id, ci.pod_id, p.name AS pod_name, ci.value FROM config_items ci
         JOIN pods p ON p.id = ci.pod_id
        WHERE ci.type = 'secret' AND ci.value LIKE 'enc:v1:%' AND ci.id > $1
        ORDER BY ci.id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** The ids of a node's pods; with `unfinished`, only those whose containers have not ended for good. */
  async podIdsOfNode(
    nodeId: number,
    db: Db = this.dataSource,
    unfinished = false,
  ): Promise<number[]> {
    const rows: Array<{ id: number }> = await db.query(
      `SELECT id FROM pods WHERE node_id = $1 ${unfinished ? 'AND finished_at IS NULL' : ''} ORDER BY id`,
      [nodeId],
    );
    return rows.map((r) => r.id);
  }

  /** Deletes a pod and frees its node's room in the same transaction. */
  async deletePod(podId: number): Promise<{ nodeId: number | null } | null> {
    return this.transaction(async (db) => {
      const [pod] = await returning(
        db,
        `DELETE FROM pods WHERE id = $1 RETURNING node_id, cpu_req_m, memory_req_mb, finished_at`,
        [podId],
      );
      if (!pod) return null;
      if (pod.node_id !== null && pod.finished_at === null) {
        await this.releaseCapacity(db, pod.node_id, pod.cpu_req_m, pod.memory_req_mb);
      }
      return { nodeId: pod.node_id };
    });
  }

  async bumpPodRestart(podId: number): Promise<void> {
    // the pod takes the node's new version, so the node's next answer carries it again
    const [node] = await returning<{ id: number }>(
      this.dataSource,
      `WITH n AS (UPDATE nodes SET pods_version = pods_version + 1
                   WHERE id = (SELECT node_id FROM pods WHERE id = $1) RETURNING id, pods_version)
       UPDATE pods p SET restart_count = p.restart_count + 1, spec_version = n.pods_version,
                         updated_at = now()
         FROM n WHERE p.id = $1 AND p.node_id = n.id RETURNING n.id`,
      [podId],
    );
    if (node) this.podsChanged(node.id);
  }

  /**
   * A pod's Kubernetes labels and annotations. With `redeliver` (an annotation its agent acts
   * on changed, such as kubesim.io/cpu-usage) the pod takes its node's new version, so the
   * node's next answer carries its spec again.
   */
  async setPodMetadata(
    podId: number,
    labels: Record<string, string>,
    annotations: Record<string, string>,
    redeliver = false,
  ): Promise<boolean> {
    const rows = await returning(
      this.dataSource,
      `UPDATE pods SET labels = $2, annotations = $3, updated_at = now() WHERE id = $1 RETURNING id`,
      [podId, JSON.stringify(labels), JSON.stringify(annotations)],
    );
    if (!rows.length) return false;
    if (redeliver) {
      const [node] = await returning<{ id: number }>(
        this.dataSource,
        `WITH n AS (UPDATE nodes SET pods_version = pods_version + 1
                     WHERE id = (SELECT node_id FROM pods WHERE id = $1) RETURNING id, pods_version)
         UPDATE pods p SET spec_version = n.pods_version
           FROM n WHERE p.id = $1 AND p.node_id = n.id RETURNING n.id`,
        [podId],
      );
      if (node) this.podsChanged(node.id);
    }
    return true;
  }

  // ---- cluster --------------------------------------------------------------

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

  /**
   * Sets a node's allocated CPU and memory back to the sum of its bound pods when they
   * differ (which should never happen); returns the nodes that had drifted. Each node is
   * rechecked under its row lock, so a binding in flight is never mistaken for drift.
   */
  async repairAllocations(): Promise<
    Array<{ id: number; name: string; was: number; now: number }>
  > {
    const suspects: Array<{ id: number }> = await this.dataSource.query(
      `SELECT n.id FROM nodes n
         LEFT JOIN (SELECT node_id, sum(cpu_req_m)::int AS cpu, sum(memory_req_mb)::int AS mem
                      FROM pods WHERE node_id IS NOT NULL AND finished_at IS NULL
                     GROUP BY node_id) s ON s.node_id = n.id
        WHERE n.cpu_allocated_m <> COALESCE(s.cpu, 0) OR n.memory_allocated_mb <> COALESCE(s.mem, 0)`,
    );
    const repaired: Array<{ id: number; name: string; was: number; now: number }> = [];
    for (const { id } of suspects) {
      const fixed = await this.transaction(async (db) => {
        const [node] = await db.query(
          `SELECT id, name, cpu_allocated_m, memory_allocated_mb FROM nodes WHERE id = $1 FOR UPDATE`,
          [id],
        );
        if (!node) return null;
        const [sum] = await db.query(
          `SELECT COALESCE(sum(cpu_req_m), 0)::int AS cpu, COALESCE(sum(memory_req_mb), 0)::int AS mem
             FROM pods WHERE node_id = $1 AND finished_at IS NULL`,
          [id],
        );
        if (node.cpu_allocated_m === sum.cpu && node.memory_allocated_mb === sum.mem) return null;
        await db.query(
          `UPDATE nodes SET cpu_allocated_m = $2, memory_allocated_mb = $3 WHERE id = $1`,
          [id, sum.cpu, sum.mem],
        );
        return { id, name: node.name, was: node.cpu_allocated_m, now: sum.cpu };
      });
      if (fixed) repaired.push(fixed);
    }
    return repaired;
  }

  /** This cluster's id, made once: several clusters may share one Docker engine. */
  async clusterId(): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO settings (key, value) VALUES ('cluster.id', $1) ON CONFLICT (key) DO NOTHING`,
      [randomUUID()],
    );
    return (await this.getSetting('cluster.id'))!;
  }

  async getSetting(key: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT value FROM settings WHERE key = $1`, [key]);
    return row?.value ?? null;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [key, value],
    );
  }
}
