import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/**
 * The columns every workload kind (ReplicaSet, Deployment, Job, DaemonSet, HorizontalPodAutoscaler) shares: Kubernetes object
 * metadata, with the kind's spec and status kept whole as JSON, as the API serves them.
 */
abstract class WorkloadColumns {
  @PrimaryGeneratedColumn()
  id: number;

  /** a plain namespace name; 'default' until namespaces are objects of their own */
  @Column({ type: 'varchar', length: 63, default: 'default' })
  namespace: string;

  @Column({ type: 'varchar', length: 253 })
  name: string;

  @Column({ type: 'uuid' })
  uid: string;

  /** rises with every change of the spec (metadata.generation) */
  @Column({ type: 'bigint', default: 1 })
  generation: string;

  /** rises with every write of the object (metadata.resourceVersion) */
  @Column({ name: 'resource_version', type: 'bigint', default: 1 })
  resourceVersion: string;

  @Column({ type: 'jsonb', default: {} })
  labels: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  annotations: Record<string, string>;

  @Column({ name: 'owner_references', type: 'jsonb', default: [] })
  ownerReferences: unknown[];

  /** Kubernetes finalizers (foregroundDeletion while its dependents go) */
  @Column({ type: 'jsonb', default: [] })
  finalizers: string[];

  @Column({ type: 'jsonb' })
  spec: Record<string, unknown>;

  @Column({ type: 'jsonb', default: {} })
  status: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'deletion_timestamp', type: 'timestamptz', nullable: true })
  deletionTimestamp: Date | null;
}

@Entity({ name: 'replica_sets' })
@Index('uq_replica_sets_namespace_name', ['namespace', 'name'], { unique: true })
export class ReplicaSetEntity extends WorkloadColumns {}

@Entity({ name: 'deployments' })
@Index('uq_deployments_namespace_name', ['namespace', 'name'], { unique: true })
export class DeploymentEntity extends WorkloadColumns {}

@Entity({ name: 'horizontal_pod_autoscalers' })
@Index('uq_horizontal_pod_autoscalers_namespace_name', ['namespace', 'name'], { unique: true })
export class HorizontalPodAutoscalerEntity extends WorkloadColumns {}

@Entity({ name: 'jobs' })
@Index('uq_jobs_namespace_name', ['namespace', 'name'], { unique: true })
export class JobEntity extends WorkloadColumns {}

@Entity({ name: 'daemon_sets' })
@Index('uq_daemon_sets_namespace_name', ['namespace', 'name'], { unique: true })
export class DaemonSetEntity extends WorkloadColumns {}
