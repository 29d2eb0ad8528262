import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ConflictError, NotFoundError } from '../common/errors';
import { DNS_LABEL } from '../common/validation';
import { PodConstraints } from '../scheduler/strategies/types';
import { isUniqueViolation } from './pg-errors';
import { containerColumns } from './pod-parts';
import { NewPod, PodRecord } from './records';
import { Db, returning } from './sql';
import { StoreChanges } from './store-changes';

const FOREIGN_KEY_VIOLATION = '23503';

/** A pod's columns with its containers, volumes and config (`POD_FROM` names the tables). */
const POD_COLUMNS = `
         p.id, p.name, p.namespace, p.status, p.node_id, n.name AS node_name, p.reason, p.ip,
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
                   FROM config_items ci WHERE ci.pod_id = p.id), '[]') AS config`;
const POD_FROM = `FROM pods p LEFT JOIN nodes n ON n.id = p.node_id`;

/** A pod with its containers, volumes and config, in one round trip. */
const POD_SELECT = `SELECT ${POD_COLUMNS} ${POD_FROM}`;

/**
 * What a pod's answer is made of, as PostgreSQL versions it: the xmin of its row (every
 * write of the row, by any statement of any process, makes a new one) and its node's name.
 * Equal versions, read within minutes of each other, mean the same pod. Its parts need no
 * versions of their own: they are inserted with the pod and deleted with it, and a statement
 * that changes one later writes the pod's row in the same statement or transaction
 * (`updateContainerStatuses`, `markContainersRunning`, `BindingsRepository`'s return to
 * pending), which also gives the pod a new resourceVersion. Reading one xmin a pod costs a
 * fifth of reading every part's (76 ms against 14 ms for 10,000 pods).
 */
const POD_VERSION = `p.xmin::text || '|' || COALESCE(n.name, '')`;

/** A pod's id with its version (`POD_VERSION`). */
export interface PodVersion {
  id: number;
  version: string;
}

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

/** The WHERE, order and page of a pod list, with its parameters. */
function pageOf(filter: PodFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status) where.push(`p.status = $${params.push(filter.status)}`);
  if (filter.namespace !== undefined) where.push(`p.namespace = $${params.push(filter.namespace)}`);
  if (filter.nodeId !== undefined) where.push(`p.node_id = $${params.push(filter.nodeId)}`);
  if (filter.after !== undefined) where.push(`p.id > $${params.push(filter.after)}::bigint`);
  params.push(filter.limit, filter.offset);
  return {
    sql: `${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY p.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  };
}

/**
 * The `pods` table with its parts (containers, volumes, config items): a pod's creation
 * while pending, reads, status and metadata. Binding a pod to a node, and giving its room
 * back, are the bindings' (`BindingsRepository`).
 */
@Injectable()
export class PodsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: StoreChanges,
  ) {}

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
        [id, JSON.stringify(pod.containers.map(containerColumns))],
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
    const page = pageOf(filter);
    return this.dataSource.query(`${POD_SELECT} ${page.sql}`, page.params);
  }

  /** The ids and versions of the pods `listPods` answers for the same filter, in its order. */
  async listPodVersions(filter: PodFilter, db: Db = this.dataSource): Promise<PodVersion[]> {
    const page = pageOf(filter);
    return db.query(`SELECT p.id, ${POD_VERSION} AS version ${POD_FROM} ${page.sql}`, page.params);
  }

  /** These pods as `listPods` reads them, each with its version; those gone are left out. */
  async podsWithVersions(
    ids: number[],
    db: Db = this.dataSource,
  ): Promise<Array<PodRecord & PodVersion>> {
    return db.query(
      `SELECT ${POD_COLUMNS}, ${POD_VERSION} AS version ${POD_FROM} WHERE p.id = ANY($1::bigint[])`,
      [ids],
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

  /** The containers' statuses a node reported for one of its pods (only those that changed). */
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
    // the pod's row is locked before its containers, as every other writer of both does, and
    // written when one changed: the pod's version and resourceVersion follow its containers
    await this.dataSource.query(
      `WITH pod AS (SELECT id FROM pods WHERE id = $1 FOR NO KEY UPDATE),
       changed AS (
         UPDATE containers c SET status = r.status, restart_count = r.restart_count, state = r.state
           FROM json_to_recordset($2) AS r(name text, status text, restart_count int, state jsonb), pod
          WHERE c.pod_id = pod.id AND c.name = r.name
            AND (c.status <> r.status OR c.restart_count <> r.restart_count
                 OR c.state IS DISTINCT FROM r.state)
          RETURNING c.pod_id)
       UPDATE pods SET updated_at = now() WHERE id = ANY(ARRAY(SELECT pod_id FROM changed))`,
      [podId, JSON.stringify(containers.map((c) => ({ ...c, state: c.state ?? null })))],
    );
  }

  /** The containers of pods a node reported running without per-container statuses. */
  async markContainersRunning(podIds: number[]): Promise<void> {
    // as `updateContainerStatuses`: the pods locked first (in id order), then written. The
    // ids go in as arrays (`= ANY(ARRAY(…))`), so both writes take the indexes: joined, they
    // were planned as seq scans of every container and pod while the tables' statistics lagged
    // behind their growth (8.5 ms for 20 pods at 13,000)
    await this.dataSource.query(
      `WITH locked AS (SELECT id FROM pods WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE),
       changed AS (
         UPDATE containers c SET status = 'running'
          WHERE c.pod_id = ANY(ARRAY(SELECT id FROM locked)) AND c.status <> 'running'
          RETURNING c.pod_id)
       UPDATE pods SET updated_at = now() WHERE id = ANY(ARRAY(SELECT pod_id FROM changed))`,
      [podIds],
    );
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
    if (node) this.changes.podsChanged(node.id);
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
      if (node) this.changes.podsChanged(node.id);
    }
    return true;
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
}
