import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const NAMESPACE_PHASES = ['Active', 'Terminating'] as const;
export type NamespacePhase = (typeof NAMESPACE_PHASES)[number];

/** A Kubernetes namespace: pods (and the kinds to come) are named uniquely within one. */
@Entity({ name: 'namespaces' })
export class NamespaceEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ type: 'uuid' })
  uid: string;

  @Column({ type: 'varchar', length: 16, default: 'Active' })
  status: NamespacePhase;

  @Column({ type: 'jsonb', default: {} })
  labels: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  annotations: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** set when its deletion began (status Terminating) */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}
