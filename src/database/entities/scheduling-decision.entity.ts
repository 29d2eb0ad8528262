import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PodEntity } from './pod.entity';

/**
 * One scheduling decision about a pod (its creation, a retry while pending, a reschedule
 * after its node failed), as explained by the strategies. Only the last few per pod are
 * kept; they go with the pod.
 */
@Entity({ name: 'scheduling_decisions' })
@Index('idx_scheduling_decisions_pod', ['podId', 'id'])
export class SchedulingDecisionEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'pod_id', type: 'integer' })
  podId: number;

  @ManyToOne(() => PodEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pod_id' })
  pod?: PodEntity;

  /** create | retry | reschedule */
  @Column({ type: 'varchar', length: 16 })
  trigger: string;

  @Column({ type: 'varchar', length: 16 })
  algorithm: string;

  /** the node chosen, or null when the pod stayed pending */
  @Column({ name: 'node_name', type: 'varchar', length: 63, nullable: true })
  nodeName: string | null;

  @Column({ type: 'text' })
  reason: string;

  /** the bounded explanation: counts per reason and the per-node rows */
  @Column({ type: 'jsonb' })
  detail: unknown;

  /** how many times in a row this same outcome was reached (a pending pod retried) */
  @Column({ type: 'integer', default: 1 })
  attempts: number;

  @Column({ name: 'decided_at', type: 'timestamptz', default: () => 'now()' })
  decidedAt: Date;
}
