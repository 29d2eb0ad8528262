import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PodEntity } from './pod.entity';

export const CONFIG_TYPES = ['env', 'configMap', 'secret'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

@Entity({ name: 'config_items' })
@Index('idx_config_items_pod_id', ['podId'])
export class ConfigItemEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'pod_id', type: 'integer' })
  podId: number;

  @ManyToOne(() => PodEntity, (p) => p.config, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pod_id' })
  pod?: PodEntity;

  @Column({ type: 'varchar', length: 253 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  type: ConfigType;

  @Column({ type: 'varchar', length: 253 })
  key: string;

  /** for secrets: "enc:v1:<iv>:<tag>:<ciphertext>" when KUBESIM_SECRET_KEY is set */
  @Column({ type: 'text' })
  value: string;
}
