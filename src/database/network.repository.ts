import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Db, rowsOf } from './sql';

/** A stored Service or NetworkPolicy row (snake_case, as PostgreSQL returns it). */
export interface NetworkObjectRecord {
  id: number;
  namespace: string;
  name: string;
  uid: string;
  resource_version: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
  created_at: Date;
}

export interface ServiceRecord extends NetworkObjectRecord {
  cluster_ip: string | null;
}

export interface NetworkObjectWrite {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
}

/** What the allocation of a service's addresses needs to know of the others. */
export interface TakenAddresses {
  clusterIps: Set<string>;
  nodePorts: Set<number>;
}

export class NameTakenError extends Error {}

const UNIQUE_VIOLATION = '23505';
/** one advisory lock for allocating cluster IPs and node ports, so two creates never pick the same */
const ALLOCATION_LOCK = 0x6b_73_76_63; // 'ksvc'
/** a write's resourceVersion: the clock in ms, and always past the row's last one */
const NEXT_VERSION = `GREATEST((EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint, $1::bigint + 1)`;

const COLUMNS = 'id, namespace, name, uid, resource_version, labels, annotations, spec, created_at';

/** Services and NetworkPolicies: the SQL for both, and the allocation of services' addresses. */
@Injectable()
export class NetworkRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // ---- services

  async listServices(namespace: string | null): Promise<ServiceRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS}, cluster_ip FROM services
        WHERE $1::text IS NULL OR namespace = $1 ORDER BY namespace, name`,
      [namespace],
    );
  }

  async findService(namespace: string, name: string): Promise<ServiceRecord | null> {
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS}, cluster_ip FROM services WHERE namespace = $1 AND name = $2`,
      [namespace, name],
    );
    return rows[0] ?? null;
  }

  /**
   * Creates a service under the allocation lock: `allocate` sees the addresses already taken
   * and returns the spec to store (with its cluster IP and node ports filled in).
   */
  async insertService(
    write: Omit<NetworkObjectWrite, 'spec'>,
    allocate: (taken: TakenAddresses) => {
      spec: Record<string, unknown>;
      clusterIp: string | null;
    },
  ): Promise<ServiceRecord> {
    return this.dataSource.transaction(async (db) => {
      const { spec, clusterIp } = allocate(await this.lockAndReadTaken(db));
      try {
        const rows = await db.query(
          `INSERT INTO services (namespace, name, uid, resource_version, labels, annotations, spec, cluster_ip)
           VALUES ($1, $2, $3, ${NEXT_VERSION.replace('$1', '$4')}, $5, $6, $7, $8)
           RETURNING ${COLUMNS}, cluster_ip`,
          [
            write.namespace,
            write.name,
            randomUUID(),
            0,
            write.labels,
            write.annotations,
            spec,
            clusterIp,
          ],
        );
        return rows[0];
      } catch (err) {
        if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new NameTakenError();
        throw err;
      }
    });
  }

  /** Replaces a service's metadata and spec (its cluster IP stays), under the allocation lock. */
  async updateService(
    current: ServiceRecord,
    change: (taken: TakenAddresses) => NetworkObjectWrite,
  ): Promise<ServiceRecord | null> {
    return this.dataSource.transaction(async (db) => {
      const taken = await this.lockAndReadTaken(db, current.id);
      const write = change(taken);
      const rows = await db.query(
        `UPDATE services SET labels = $3, annotations = $4, spec = $5,
                resource_version = ${NEXT_VERSION.replace('$1', 'resource_version')}
          WHERE id = $1 AND resource_version = $2
          RETURNING ${COLUMNS}, cluster_ip`,
        [current.id, current.resource_version, write.labels, write.annotations, write.spec],
      );
      return rowsOf<ServiceRecord>(rows)[0] ?? null;
    });
  }

  async deleteService(namespace: string, name: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      'DELETE FROM services WHERE namespace = $1 AND name = $2 RETURNING id',
      [namespace, name],
    );
    return rowsOf(rows).length > 0;
  }

  private async lockAndReadTaken(db: Db, except?: number): Promise<TakenAddresses> {
    await db.query('SELECT pg_advisory_xact_lock($1)', [ALLOCATION_LOCK]);
    const rows: Array<{
      cluster_ip: string | null;
      spec: { ports?: Array<{ nodePort?: number }> };
    }> = await db.query('SELECT cluster_ip, spec FROM services WHERE id <> $1', [except ?? -1]);
    const taken: TakenAddresses = { clusterIps: new Set(), nodePorts: new Set() };
    for (const r of rows) {
      if (r.cluster_ip) taken.clusterIps.add(r.cluster_ip);
      for (const p of r.spec.ports ?? []) if (p.nodePort) taken.nodePorts.add(p.nodePort);
    }
    return taken;
  }

  // ---- network policies

  async listPolicies(namespace: string | null): Promise<NetworkObjectRecord[]> {
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM network_policies
        WHERE $1::text IS NULL OR namespace = $1 ORDER BY namespace, name`,
      [namespace],
    );
  }

  async findPolicy(namespace: string, name: string): Promise<NetworkObjectRecord | null> {
    const rows = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM network_policies WHERE namespace = $1 AND name = $2`,
      [namespace, name],
    );
    return rows[0] ?? null;
  }

  async insertPolicy(write: NetworkObjectWrite): Promise<NetworkObjectRecord> {
    try {
      const rows = await this.dataSource.query(
        `INSERT INTO network_policies (namespace, name, uid, resource_version, labels, annotations, spec)
         VALUES ($1, $2, $3, ${NEXT_VERSION.replace('$1', '$4')}, $5, $6, $7)
         RETURNING ${COLUMNS}`,
        [write.namespace, write.name, randomUUID(), 0, write.labels, write.annotations, write.spec],
      );
      return rows[0];
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new NameTakenError();
      throw err;
    }
  }

  /** Replaces a policy if it has not changed since `current` was read; null when it has. */
  async updatePolicy(
    current: NetworkObjectRecord,
    write: NetworkObjectWrite,
  ): Promise<NetworkObjectRecord | null> {
    const rows = await this.dataSource.query(
      `UPDATE network_policies SET labels = $3, annotations = $4, spec = $5,
              resource_version = ${NEXT_VERSION.replace('$1', 'resource_version')}
        WHERE id = $1 AND resource_version = $2
        RETURNING ${COLUMNS}`,
      [current.id, current.resource_version, write.labels, write.annotations, write.spec],
    );
    return rowsOf<NetworkObjectRecord>(rows)[0] ?? null;
  }

  async deletePolicy(namespace: string, name: string): Promise<boolean> {
    const rows = await this.dataSource.query(
      'DELETE FROM network_policies WHERE namespace = $1 AND name = $2 RETURNING id',
      [namespace, name],
    );
    return rowsOf(rows).length > 0;
  }
}
