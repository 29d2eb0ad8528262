import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A Kubernetes NetworkPolicy (`networking.k8s.io/v1`): its spec as the API holds it. */
@Entity({ name: 'network_policies' })
@Index('uq_network_policies_namespace_name', ['namespace', 'name'], { unique: true })
export class NetworkPolicyEntity {
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
