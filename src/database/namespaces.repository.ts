import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConflictError } from '../common/errors';
import { DNS_LABEL } from '../common/validation';
import type { NamespacePhase } from './entities/namespace.entity';
import { rowsOf } from './sql';

/** The namespaces every cluster has: seeded by the migration, never deleted. */
export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
export const DEFAULT_NAMESPACE = 'default';

export interface NamespaceRecord {
  id: number;
  name: string;
  uid: string;
  status: NamespacePhase;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

const COLUMNS = `id, name, uid, status, labels, annotations, created_at, updated_at, deleted_at`;

/** The namespaces table. */
@Injectable()
export class NamespacesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<NamespaceRecord[]> {
    return this.dataSource.query(`SELECT ${COLUMNS} FROM namespaces ORDER BY name`);
  }

  async find(name: string): Promise<NamespaceRecord | null> {
    if (!DNS_LABEL.test(name) || name.length > 63) return null;
    const [row] = await this.dataSource.query(`SELECT ${COLUMNS} FROM namespaces WHERE name = $1`, [
      name,
    ]);
    return row ?? null;
  }

  async create(
    name: string,
    labels: Record<string, string>,
    annotations: Record<string, string>,
  ): Promise<NamespaceRecord> {
    try {
      const [row] = await this.dataSource.query(
        `INSERT INTO namespaces (name, uid, labels, annotations) VALUES ($1, $2, $3, $4)
         RETURNING ${COLUMNS}`,
        [name, randomUUID(), JSON.stringify(labels), JSON.stringify(annotations)],
      );
      return row;
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new ConflictError(`namespace "${name}" already exists`);
      throw err;
    }
  }

  async setMetadata(
    name: string,
    labels: Record<string, string>,
    annotations: Record<string, string>,
  ): Promise<NamespaceRecord | null> {
    const [row] = rowsOf<NamespaceRecord>(
      await this.dataSource.query(
        `UPDATE namespaces SET labels = $2, annotations = $3, updated_at = now()
          WHERE name = $1 RETURNING ${COLUMNS}`,
        [name, JSON.stringify(labels), JSON.stringify(annotations)],
      ),
    );
    return row ?? null;
  }

  /** Begins a deletion: Terminating from now on (a second call changes nothing). */
  async markTerminating(name: string): Promise<NamespaceRecord | null> {
    const [row] = rowsOf<NamespaceRecord>(
      await this.dataSource.query(
        `UPDATE namespaces SET status = 'Terminating', deleted_at = COALESCE(deleted_at, now()),
                updated_at = CASE WHEN status = 'Terminating' THEN updated_at ELSE now() END
          WHERE name = $1 AND NOT (name = ANY($2)) RETURNING ${COLUMNS}`,
        [name, SYSTEM_NAMESPACES],
      ),
    );
    return row ?? null;
  }

  async terminating(): Promise<string[]> {
    const rows: Array<{ name: string }> = await this.dataSource.query(
      `SELECT name FROM namespaces WHERE status = 'Terminating' ORDER BY name`,
    );
    return rows.map((r) => r.name);
  }

  /** Names of the pods still in a namespace. */
  async podsIn(name: string): Promise<Array<{ id: number; name: string }>> {
    return this.dataSource.query(`SELECT id, name FROM pods WHERE namespace = $1 ORDER BY id`, [
      name,
    ]);
  }

  /**
   * Removes the namespace's objects other than pods (Deployments, ReplicaSets, Jobs,
   * DaemonSets, Services, NetworkPolicies), so no controller makes new pods while the namespace's pods are deleted.
   */
  async removeObjectsIn(name: string): Promise<void> {
    for (const table of [
      'horizontal_pod_autoscalers',
      'deployments',
      'replica_sets',
      'jobs',
      'daemon_sets',
      'services',
      'network_policies',
    ])
      await this.dataSource.query(`DELETE FROM ${table} WHERE namespace = $1`, [name]);
  }

  /**
   * Removes a Terminating namespace's row once it holds nothing: false while a pod is
   * still in it (the pods' foreign key refuses), so the caller deletes those first.
   */
  async removeIfEmpty(name: string): Promise<boolean> {
    try {
      const rows = rowsOf<{ id: number }>(
        await this.dataSource.query(
          `DELETE FROM namespaces WHERE name = $1 AND status = 'Terminating'
             AND NOT EXISTS (SELECT 1 FROM pods WHERE namespace = $1) RETURNING id`,
          [name],
        ),
      );
      return rows.length > 0 || !(await this.find(name));
    } catch (err) {
      if ((err as { code?: string }).code === '23503') return false;
      throw err;
    }
  }
}
