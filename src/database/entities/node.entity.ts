import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

import { NODE_STATUSES, NODE_TYPES, NodeStatus, NodeType } from '../../domain/node-status';

export { NODE_STATUSES, NODE_TYPES };
export type { NodeStatus, NodeType };

@Entity({ name: 'nodes' })
@Index('idx_nodes_health_status', ['healthStatus'])
export class NodeEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ name: 'node_type', type: 'varchar', length: 16, default: 'worker' })
  nodeType: NodeType;

  @Column({ name: 'health_status', type: 'varchar', length: 32, default: 'pending' })
  healthStatus: NodeStatus;

  @Column({ type: 'boolean', default: false })
  cordoned: boolean;

  /** CPU is kept in integer millicores; the wire speaks cores. */
  @Column({ name: 'cpu_total_m', type: 'integer' })
  cpuTotalM: number;

  @Column({ name: 'cpu_allocated_m', type: 'integer', default: 0 })
  cpuAllocatedM: number;

  @Column({ name: 'cpu_used_m', type: 'integer', default: 0 })
  cpuUsedM: number;

  @Column({ name: 'memory_total_mb', type: 'integer', nullable: true })
  memoryTotalMb: number | null;

  @Column({ name: 'memory_allocated_mb', type: 'integer', default: 0 })
  memoryAllocatedMb: number;

  @Column({ type: 'jsonb', default: {} })
  labels: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  components: Record<string, string>;

  /** Kubernetes taints `{key, value?, effect, timeAdded?}`, set through either API */
  @Column({ type: 'jsonb', default: [] })
  taints: Array<{ key: string; value?: string; effect: string; timeAdded?: string }>;

  /** sha256 of the heartbeat token; the token itself is shown once at registration */
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** counts the pod IPs handed out from the node's 10.244.<n>.0/24 range */
  @Column({ name: 'ip_seq', type: 'integer', default: 0 })
  ipSeq: number;

  /** rises whenever the set or specs of the node's pods change: heartbeats reuse answers while it holds */
  @Column({ name: 'pods_version', type: 'integer', default: 0 })
  podsVersion: number;

  @Column({ name: 'last_heartbeat_at', type: 'timestamptz', nullable: true })
  lastHeartbeatAt: Date | null;

  @Column({ name: 'heartbeat_count', type: 'integer', default: 0 })
  heartbeatCount: number;

  @Column({ name: 'recovery_attempts', type: 'integer', default: 0 })
  recoveryAttempts: number;

  @Column({ name: 'next_recovery_at', type: 'timestamptz', nullable: true })
  nextRecoveryAt: Date | null;

  @Column({ name: 'status_changed_at', type: 'timestamptz', default: () => 'now()' })
  statusChangedAt: Date;

  @Column({ type: 'varchar', length: 16, default: 'external' })
  runtime: string;

  @Column({ name: 'runtime_ref', type: 'varchar', length: 128, nullable: true })
  runtimeRef: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
