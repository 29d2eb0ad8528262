import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError } from '../common/errors';
import { rowsOf } from './sql';

/** The workload kinds stored, by their table. */
export type WorkloadKind =
  'replica_sets' | 'deployments' | 'jobs' | 'daemon_sets' | 'horizontal_pod_autoscalers';

/** A stored workload (ReplicaSet, Deployment, Job, DaemonSet), as its row. */
export interface WorkloadRow {
  id: number;
  namespace: string;
  name: string;
  uid: string;
  generation: string;
  resource_version: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  owner_references: unknown[];
  finalizers: string[];
  spec: Record<string, any>;
  status: Record<string, any>;
  created_at: Date;
  updated_at: Date;
  deletion_timestamp: Date | null;
}

export interface NewWorkload {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ownerReferences: unknown[];
  spec: Record<string, unknown>;
  /** given when the spec must name the object's uid (a Job's selector); else a new one */
  uid?: string;
}

/** What the workload controllers read of a pod. */
export interface WorkloadPodRow {
  id: number;
  name: string;
  namespace: string;
  status: string;
  /** every container runs, past its readiness delay (kubesim.io/ready-after), none crash-looping */
  containers_ready?: boolean;
  node_name: string | null;
  labels: Record<string, string>;
  owner_references: unknown[];
  restart_count: number;
  created_at: Date;
  started_at: Date | null;
  /** its CPU request, millicores (what a HorizontalPodAutoscaler measures use against) */
  cpu_req_m?: number;
  /** when its containers ended for good (succeeded or failed) */
  finished_at?: Date | null;
  /** the node a matchFields metadata.name term pins it to (a DaemonSet's pod), if any */
  pinned_node?: string | null;
}

/** What the DaemonSet controller reads of a node. */
export interface DaemonNodeRow {
  name: string;
  node_type: 'worker' | 'master';
  health_status: string;
  cordoned: boolean;
  labels: Record<string, string> | null;
  taints: Array<{ key: string; value?: string; effect: string; timeAdded?: string }> | null;
}

const TABLES: Record<WorkloadKind, string> = {
  replica_sets: 'replica_sets',
  deployments: 'deployments',
  jobs: 'jobs',
  daemon_sets: 'daemon_sets',
  horizontal_pod_autoscalers: 'horizontal_pod_autoscalers',
};
/** How kube-apiserver names each kind in its errors (`deployments.apps "web" already exists`). */
const RESOURCE_NAMES: Record<WorkloadKind, string> = {
  replica_sets: 'replicasets.apps',
  deployments: 'deployments.apps',
  jobs: 'jobs.batch',
  daemon_sets: 'daemonsets.apps',
  horizontal_pod_autoscalers: 'horizontalpodautoscalers.autoscaling',
};
const UNIQUE_VIOLATION = '23505';

/**
 * Persistence of the workloads (ReplicaSets, Deployments, Jobs, DaemonSets, autoscalers), and the pod and node queries their controllers
 * need. Every write raises resource_version; a write of the spec raises generation too.
 */
@Injectable()
export class WorkloadsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(kind: WorkloadKind, namespace?: string): Promise<WorkloadRow[]> {
    const table = TABLES[kind];
    return namespace === undefined
      ? this.db.query(`SELECT * FROM ${table} ORDER BY namespace, name`)
      : this.db.query(`SELECT * FROM ${table} WHERE namespace = $1 ORDER BY name`, [namespace]);
  }

  async find(kind: WorkloadKind, namespace: string, name: string): Promise<WorkloadRow | null> {
    const rows: WorkloadRow[] = await this.db.query(
      `SELECT * FROM ${TABLES[kind]} WHERE namespace = $1 AND name = $2`,
      [namespace, name],
    );
    return rows[0] ?? null;
  }

  async insert(kind: WorkloadKind, w: NewWorkload): Promise<WorkloadRow> {
    try {
      const rows: WorkloadRow[] = await this.db.query(
        `INSERT INTO ${TABLES[kind]} (namespace, name, labels, annotations, owner_references, spec, uid)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [
          w.namespace,
          w.name,
          JSON.stringify(w.labels),
          JSON.stringify(w.annotations),
          JSON.stringify(w.ownerReferences),
          JSON.stringify(w.spec),
          w.uid ?? randomUUID(),
        ],
      );
      return rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConflictError(`${RESOURCE_NAMES[kind]} "${w.name}" already exists`);
      }
      throw err;
    }
  }

  /**
   * Replaces metadata and spec; generation rises only if the spec changed. With
   * `expectVersion`, a row written since is a conflict (optimistic concurrency).
   */
  async update(
    kind: WorkloadKind,
    namespace: string,
    name: string,
    next: Pick<NewWorkload, 'labels' | 'annotations' | 'ownerReferences' | 'spec'>,
    expectVersion?: string,
  ): Promise<WorkloadRow | null> {
    const rows = rowsOf<WorkloadRow>(
      await this.db.query(
        `UPDATE ${TABLES[kind]}
            SET labels = $3, annotations = $4, owner_references = $5, spec = $6,
                generation = generation + CASE WHEN spec = $6::jsonb THEN 0 ELSE 1 END,
                resource_version = resource_version + 1, updated_at = now()
          WHERE namespace = $1 AND name = $2 AND ($7::bigint IS NULL OR resource_version = $7::bigint)
          RETURNING *`,
        [
          namespace,
          name,
          JSON.stringify(next.labels),
          JSON.stringify(next.annotations),
          JSON.stringify(next.ownerReferences),
          JSON.stringify(next.spec),
          expectVersion ?? null,
        ],
      ),
    );
    return rows[0] ?? null;
  }

  /** Stores a status, unless it is the one stored (no write, no new resourceVersion). */
  async setStatus(
    kind: WorkloadKind,
    id: number,
    status: Record<string, unknown>,
  ): Promise<boolean> {
    const rows = rowsOf<{ id: number }>(
      await this.db.query(
        `UPDATE ${TABLES[kind]} SET status = $2, resource_version = resource_version + 1, updated_at = now()
          WHERE id = $1 AND status <> $2::jsonb RETURNING id`,
        [id, JSON.stringify(status)],
      ),
    );
    return rows.length > 0;
  }

  /** Marks an object as going (foreground deletion keeps it while its dependents go). */
  async markDeleting(kind: WorkloadKind, id: number, finalizers: string[]): Promise<void> {
    await this.db.query(
      `UPDATE ${TABLES[kind]} SET deletion_timestamp = COALESCE(deletion_timestamp, now()), finalizers = $2,
              resource_version = resource_version + 1 WHERE id = $1`,
      [id, JSON.stringify(finalizers)],
    );
  }

  async remove(kind: WorkloadKind, id: number): Promise<WorkloadRow | null> {
    const rows = rowsOf<WorkloadRow>(
      await this.db.query(`DELETE FROM ${TABLES[kind]} WHERE id = $1 RETURNING *`, [id]),
    );
    return rows[0] ?? null;
  }

  /** Every pod the controllers weigh, with its namespace (a controller weighs only its own namespace's). */
  /** `ownedOnly`: just the pods some owner claims (none to adopt when there is no ReplicaSet or Job). */
  async podsForControllers(ownedOnly = false): Promise<WorkloadPodRow[]> {
    return this.db.query(
      `SELECT p.id, p.name, p.namespace, p.status, n.name AS node_name, p.labels, p.owner_references,
              p.restart_count, p.created_at, p.started_at, p.finished_at, p.cpu_req_m,
              (SELECT f->'values'->>0
                 FROM jsonb_array_elements(COALESCE(p.scheduling->'nodeAffinity', '[]')) t,
                      jsonb_array_elements(COALESCE(t->'matchFields', '[]')) f
                WHERE f->>'key' = 'metadata.name' AND f->>'operator' = 'In'
                  AND jsonb_array_length(f->'values') = 1
                LIMIT 1) AS pinned_node,
              NOT EXISTS (SELECT 1 FROM containers c
                           WHERE c.pod_id = p.id
                             AND (c.state->>'ready' = 'false'
                                  OR c.status NOT IN ('running', 'waiting')
                                  OR (c.status = 'waiting' AND c.state->>'waiting_reason' IS NOT NULL)))
                AS containers_ready
         FROM pods p LEFT JOIN nodes n ON n.id = p.node_id
        ${ownedOnly ? `WHERE p.owner_references <> '[]'::jsonb` : ''}
        ORDER BY p.id`,
    );
  }

  /** Sets a pod's owner references (adoption, release, orphaning). */
  async setPodOwners(podId: number, owners: unknown[]): Promise<void> {
    await this.db.query('UPDATE pods SET owner_references = $2, updated_at = now() WHERE id = $1', [
      podId,
      JSON.stringify(owners),
    ]);
  }

  /** The nodes, as the DaemonSet controller weighs them. */
  async nodesForDaemonSets(): Promise<DaemonNodeRow[]> {
    return this.db.query(
      `SELECT name, node_type, health_status, cordoned, labels, taints FROM nodes ORDER BY id`,
    );
  }

  /**
   * Adopts an orphan pod for a ReplicaSet (or a DaemonSet): only if the pod has no controller
   * still and its owner still exists and is not going (a sync racing a deletion adopts nothing).
   */
  async adoptPod(
    podId: number,
    owner: { uid: string },
    ownerKind: 'replica_sets' | 'daemon_sets' = 'replica_sets',
  ): Promise<boolean> {
    const rows = rowsOf<{ id: number }>(
      await this.db.query(
        `UPDATE pods SET owner_references = owner_references || $2::jsonb, updated_at = now()
          WHERE id = $1 AND NOT owner_references @> '[{"controller": true}]'
            AND EXISTS (SELECT 1 FROM ${TABLES[ownerKind]} r WHERE r.uid = $3 AND r.deletion_timestamp IS NULL)
          RETURNING id`,
        [podId, JSON.stringify([owner]), owner.uid],
      ),
    );
    return rows.length > 0;
  }

  /** Adopts an orphan ReplicaSet for a Deployment, on the same conditions as a pod. */
  async adoptReplicaSet(id: number, owner: { uid: string }): Promise<boolean> {
    const rows = rowsOf<{ id: number }>(
      await this.db.query(
        `UPDATE replica_sets SET owner_references = owner_references || $2::jsonb,
                resource_version = resource_version + 1, updated_at = now()
          WHERE id = $1 AND NOT owner_references @> '[{"controller": true}]'
            AND EXISTS (SELECT 1 FROM deployments d WHERE d.uid = $3 AND d.deletion_timestamp IS NULL)
          RETURNING id`,
        [id, JSON.stringify([owner]), owner.uid],
      ),
    );
    return rows.length > 0;
  }

  /**
   * Deletes a workload and, in the same transaction, clears its uid from its dependents'
   * ownerReferences (orphan propagation): no sync sees the dependents owned by nothing.
   */
  async removeOrphaning(kind: WorkloadKind, id: number, uid: string): Promise<void> {
    const dependents = kind === 'deployments' ? 'replica_sets' : 'pods';
    await this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM ${TABLES[kind]} WHERE id = $1`, [id]);
      await tx.query(
        `UPDATE ${dependents} SET owner_references = COALESCE(
                  (SELECT jsonb_agg(r) FROM jsonb_array_elements(owner_references) r WHERE r->>'uid' <> $1), '[]'),
                updated_at = now()
          WHERE owner_references @> jsonb_build_array(jsonb_build_object('uid', $1::text))`,
        [uid],
      );
    });
  }

  /** The pods on a node that a controller owns, with their controller's kind and name. */
  async controlledPodsOfNode(nodeId: number): Promise<Map<number, { kind: string; name: string }>> {
    const rows: Array<{ id: number; kind: string; name: string }> = await this.db.query(
      `SELECT p.id, r->>'kind' AS kind, r->>'name' AS name
         FROM pods p, jsonb_array_elements(p.owner_references) r
        WHERE p.node_id = $1 AND (r->>'controller')::boolean IS TRUE`,
      [nodeId],
    );
    return new Map(rows.map((r) => [r.id, { kind: r.kind, name: r.name }]));
  }
}
