import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'events' })
@Index('idx_events_created_at', ['createdAt'])
@Index('idx_events_object', ['object'])
@Index('idx_events_reason', ['reason'])
@Index('idx_events_namespace', ['namespace'])
export class EventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 8 })
  type: 'Normal' | 'Warning';

  @Column({ type: 'varchar', length: 64 })
  reason: string;

  /** "node/worker-1", "pod/web-1", "cluster/kubesim" */
  @Column({ type: 'varchar', length: 80 })
  object: string;

  @Column({ type: 'text' })
  message: string;

  /** a pod's event is in its pod's namespace; node and cluster events are in `default` */
  @Column({ type: 'varchar', length: 63 })
  namespace: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
