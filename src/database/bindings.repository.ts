import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError } from '../common/errors';
import { podIp } from '../common/units';
import { toleratesCordon } from '../scheduler/strategies/taints';
import { NodeView, PodConstraints } from '../scheduler/strategies/types';
import {
  BIND_AND_INSERT_PODS,
  BoundPodRow,
  Placement,
  bindAndInsertParams,
} from './bound-pods-statement';
import { bindable, NODE_VIEW_SELECT, NodeViewRow, toNodeView } from './candidate-nodes';
import { Database } from './database';
import { DecisionsRepository } from './decisions.repository';
import { isUniqueViolation } from './pg-errors';
import { BindOutcome, DecisionWrite } from './records';
import { Db, returning } from './sql';
import { StoreChanges } from './store-changes';

/**
 * Where pods and nodes meet, and kubesim's invariants with it: a binding never
 * overcommits a node (the database decides, by a conditional update that takes the
 * node's row lock), and a node's allocated CPU and memory always equal the sum of its
 * unfinished pods' — every write that binds a pod, or gives its room back, is here.
 */
@Injectable()
export class BindingsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly database: Database,
    private readonly decisions: DecisionsRepository,
    private readonly changes: StoreChanges,
  ) {}

  /** Every node as the scheduler ranks them (the candidates of a placement). */
  async allNodeViews(db: Db = this.dataSource): Promise<NodeView[]> {
    const rows: NodeViewRow[] = await db.query(`${NODE_VIEW_SELECT} ORDER BY id`);
    return rows.map(toNodeView);
  }

  /**
   * Binds a pending pod to a node if, under the node's row lock, the node is still
   * eligible and has room. Returns the pod's IP, or null when the node was taken; `db` is
   * a transaction.
   *
   * A try that fails leaves the node's row unlocked: an UPDATE that waits for a row and then
   * finds it no longer qualifies keeps it locked all the same (READ COMMITTED's recheck), so
   * a placement trying its next candidate would hold one node while waiting for another,
   * which a creation batch (several nodes in one statement) could hold while waiting for the
   * first. Each try is a savepoint, rolled back when it fails.
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
    await db.query(`SAVEPOINT bind_pod`);
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
    if (!node) {
      await db.query(`ROLLBACK TO SAVEPOINT bind_pod`);
      return null;
    }
    const ip = podIp(nodeId, node.ip_seq);
    const [, bound] = await db.query(
      `UPDATE pods SET node_id = $2, status = 'scheduled', ip = $3, reason = NULL,
                       spec_version = $4, scheduled_at = now(), updated_at = now()
        WHERE id = $1 AND node_id IS NULL`,
      [pod.id, nodeId, ip, node.pods_version],
    );
    if (bound === 0) {
      // the pod was bound or deleted meanwhile: the node's room and lock go back
      await db.query(`ROLLBACK TO SAVEPOINT bind_pod`);
      return null;
    }
    this.changes.podsChanged(nodeId);
    return ip;
  }

  private async releaseCapacity(db: Db, nodeId: number, cpuM: number, memoryMb: number) {
    await db.query(
      `UPDATE nodes SET cpu_allocated_m = cpu_allocated_m - $2,
                        memory_allocated_mb = memory_allocated_mb - $3,
                        pods_version = pods_version + 1 WHERE id = $1`,
      [nodeId, cpuM, memoryMb],
    );
    this.changes.podsChanged(nodeId);
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

  /** Whether any pod waits for a node: one read, no transaction, when none does. */
  async hasPendingPods(): Promise<boolean> {
    const [row] = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM pods WHERE status = 'pending' AND node_id IS NULL) AS waiting`,
    );
    return row.waiting === true;
  }

  /** Ids of pending pods after `afterId`, oldest first (read, not locked). */
  async pendingPodIds(limit: number, afterId: number): Promise<number[]> {
    const rows: Array<{ id: number }> = await this.dataSource.query(
      `SELECT id FROM pods WHERE status = 'pending' AND node_id IS NULL AND id > $2
        ORDER BY id LIMIT $1`,
      [limit, afterId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * A pod still pending, locked in the caller's transaction so two schedulers never place
   * it both; null when it was placed or deleted meanwhile, or another holds it.
   */
  async lockPendingPod(
    db: Db,
    podId: number,
  ): Promise<{
    id: number;
    name: string;
    cpuReqM: number;
    memoryReqMb: number;
    constraints: PodConstraints | null;
    algorithm: string | null;
  } | null> {
    const [r] = await db.query(
      `SELECT id, name, cpu_req_m, memory_req_mb, scheduling, scheduler_algorithm FROM pods
        WHERE id = $1 AND status = 'pending' AND node_id IS NULL FOR UPDATE SKIP LOCKED`,
      [podId],
    );
    if (!r) return null;
    return {
      id: r.id as number,
      name: r.name as string,
      cpuReqM: r.cpu_req_m as number,
      memoryReqMb: r.memory_req_mb as number,
      constraints: (r.scheduling as PodConstraints | null) ?? null,
      algorithm: r.scheduler_algorithm as string | null,
    };
  }

  /**
   * The fast path of pod creation, for a batch: binds each pod to the node chosen for it
   * and stores the pods with their parts and Scheduled events, all in one statement
   * (`BIND_AND_INSERT_PODS`). Each node takes its pods only if, under its row lock, it
   * may still take pods and has room for all of them; the pods of a node that refuses get
   * null and nothing of them is written. A pod whose name is taken already gets 'exists'
   * and takes no room, and so does one whose namespace is missing or being deleted
   * (`closedNamespace`). Their scheduling decisions go in the statement when `db` is a
   * transaction, else in the next one, once these pods are committed (`deferDecisions`).
   */
  async insertBoundPods(placements: Placement[], db: Db = this.dataSource): Promise<BindOutcome[]> {
    // outside a transaction the statement commits on its own: the decisions follow it
    const deferred = db === this.dataSource;
    const params = bindAndInsertParams(placements, !deferred);
    try {
      const rows: BoundPodRow[] = await db.query(BIND_AND_INSERT_PODS, params);
      const byName = new Map(rows.map((r) => [`${r.ns}/${r.name}`, r]));
      const stored = (r: BoundPodRow) => !r.taken && r.ns_status === null;
      for (const nodeId of new Set(rows.filter(stored).map((r) => r.node_id)))
        this.changes.podsChanged(nodeId);
      if (deferred) {
        const decisions: Array<DecisionWrite & { podId: number }> = [];
        for (const { pod, decision } of placements) {
          const row = byName.get(`${pod.namespace ?? 'default'}/${pod.name}`);
          if (decision && row && stored(row))
            decisions.push({ ...decision, nodeName: row.node_name, podId: row.id });
        }
        await this.decisions.deferDecisions(decisions);
      }
      return placements.map(({ pod }) => {
        const row = byName.get(`${pod.namespace ?? 'default'}/${pod.name}`);
        if (row?.taken) return 'exists' as const;
        if (row?.ns_status)
          return { closedNamespace: row.ns_status === 'missing' ? 'missing' : 'Terminating' };
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

  /** Deletes a pod and frees its node's room in the same transaction. */
  async deletePod(podId: number): Promise<{ nodeId: number | null } | null> {
    return this.database.transaction(async (db) => {
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
    return this.database.transaction(async (db) => {
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
      const fixed = await this.database.transaction(async (db) => {
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
}
