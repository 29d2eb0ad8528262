import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { NamespaceEntity } from './namespace.entity';
import { NodeEntity } from './node.entity';
import { ContainerEntity } from './container.entity';
import { VolumeEntity } from './volume.entity';
import { ConfigItemEntity } from './config-item.entity';

import { POD_STATUSES, PodStatus } from '../../domain/pod-status';

export { POD_STATUSES };
export type { PodStatus };

@Entity({ name: 'pods' })
@Index('idx_pods_node_id', ['nodeId'])
@Index('idx_pods_status', ['status'])
@Index('idx_pods_namespace_name', ['namespace', 'name'], { unique: true })
@Index('idx_pods_name', ['name'])
export class PodEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 63 })
  name: string;

  /** names are unique within a namespace; the namespace cannot go while it holds pods */
  @Column({ type: 'varchar', length: 63, default: 'default' })
  namespace: string;

  @ManyToOne(() => NamespaceEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'namespace', referencedColumnName: 'name' })
  namespaceRow?: NamespaceEntity;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: PodStatus;

  @Column({ name: 'node_id', type: 'integer', nullable: true })
  nodeId: number | null;

  @ManyToOne(() => NodeEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'node_id' })
  node?: NodeEntity | null;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'varchar', length: 15, nullable: true })
  ip: string | null;

  @Column({ name: 'cpu_req_m', type: 'integer' })
  cpuReqM: number;

  @Column({ name: 'memory_req_mb', type: 'integer', default: 0 })
  memoryReqMb: number;

  @Column({ name: 'scheduler_algorithm', type: 'varchar', length: 16, nullable: true })
  schedulerAlgorithm: string | null;

  @Column({ name: 'restart_count', type: 'integer', default: 0 })
  restartCount: number;

  /** what its node does when a container exits: Always, OnFailure or Never */
  @Column({ name: 'restart_policy', type: 'varchar', length: 16, default: 'Always' })
  restartPolicy: string;

  /**
   * When its containers ended for good (phase Succeeded or Failed by its restart policy):
   * from then on it holds no room on its node and is not moved again.
   */
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** its node's pods_version when its assignment last changed: heartbeats send only newer ones */
  @Column({ name: 'spec_version', type: 'integer', default: 0 })
  specVersion: number;

  /** Kubernetes metadata a pod came with (through the Kubernetes API) */
  @Column({ type: 'jsonb', default: {} })
  labels: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  annotations: Record<string, string>;

  /** nodeSelector, tolerations and required node affinity; null when the pod has none */
  @Column({ type: 'jsonb', nullable: true })
  scheduling: Record<string, unknown> | null;

  /** the controllers owning this pod (metadata.ownerReferences) */
  @Column({ name: 'owner_references', type: 'jsonb', default: [] })
  ownerReferences: unknown[];

  /** the prefix its name was generated from (metadata.generateName) */
  @Column({ name: 'generate_name', type: 'varchar', length: 63, nullable: true })
  generateName: string | null;

  @Column({ name: 'scheduled_at', type: 'timestamptz', nullable: true })
  scheduledAt: Date | null;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @OneToMany(() => ContainerEntity, (c) => c.pod)
  containers?: ContainerEntity[];

  @OneToMany(() => VolumeEntity, (v) => v.pod)
  volumes?: VolumeEntity[];

  @OneToMany(() => ConfigItemEntity, (c) => c.pod)
  config?: ConfigItemEntity[];
}
