import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A Kubernetes Service (`v1.Service`): its spec as the API holds it, with the cluster IP it
 * was given (unique while it exists) beside it. Its endpoints are not stored: they are read
 * from the ready pods its selector matches.
 */
@Entity({ name: 'services' })
@Index('uq_services_namespace_name', ['namespace', 'name'], { unique: true })
@Index('uq_services_cluster_ip', ['clusterIp'], { unique: true, where: '"cluster_ip" IS NOT NULL' })
export class ServiceEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'text', default: 'default' })
  namespace: string;

  @Column({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'uuid' })
  uid: string;

  /** the latest change, in milliseconds (it only grows) */
  @Column({ name: 'resource_version', type: 'bigint' })
  resourceVersion: string;

  @Column({ type: 'jsonb', default: {} })
  labels: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  annotations: Record<string, string>;

  @Column({ type: 'jsonb' })
  spec: Record<string, unknown>;

  /** null for a headless service (`clusterIP: None`) */
  @Column({ name: 'cluster_ip', type: 'varchar', length: 15, nullable: true })
  clusterIp: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
