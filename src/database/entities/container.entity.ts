import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PodEntity } from './pod.entity';

@Entity({ name: 'containers' })
@Unique('uq_containers_pod_name', ['podId', 'name'])
export class ContainerEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'pod_id', type: 'integer' })
  podId: number;

  @ManyToOne(() => PodEntity, (p) => p.containers, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pod_id' })
  pod?: PodEntity;

  @Column({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'varchar', length: 255 })
  image: string;

  @Column({ name: 'cpu_req_m', type: 'integer' })
  cpuReqM: number;

  @Column({ name: 'memory_req_mb', type: 'integer', default: 0 })
  memoryReqMb: number;

  /** resources.limits, kept and shown; kubesim schedules on requests only */
  @Column({ name: 'cpu_limit_m', type: 'integer', nullable: true })
  cpuLimitM: number | null;

  @Column({ name: 'memory_limit_mb', type: 'integer', nullable: true })
  memoryLimitMb: number | null;

  @Column({ type: 'jsonb', default: [] })
  command: string[];

  @Column({ type: 'jsonb', default: [] })
  args: string[];

  @Column({ type: 'varchar', length: 16, default: 'waiting' })
  status: string;

  @Column({ name: 'restart_count', type: 'integer', default: 0 })
  restartCount: number;

  /** the agent's last account beyond the status: how it ended, why it waits, readiness */
  @Column({ type: 'jsonb', nullable: true })
  state: Record<string, unknown> | null;
}
