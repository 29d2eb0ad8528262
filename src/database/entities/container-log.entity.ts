import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PodEntity } from './pod.entity';

/**
 * What simulated containers printed, as their agents delivered it: the last
 * LOG_LINES_PER_CONTAINER lines of each container, in PostgreSQL so every replica reads them.
 */
@Entity({ name: 'container_logs' })
@Index('idx_container_logs_pod_container', ['podId', 'container', 'id'])
export class ContainerLogEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'pod_id', type: 'integer' })
  podId: number;

  @ManyToOne(() => PodEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pod_id' })
  pod?: PodEntity;

  @Column({ type: 'varchar', length: 63 })
  container: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'text' })
  line: string;
}
