import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { PodEntity } from './pod.entity';

export const VOLUME_TYPES = ['emptyDir', 'hostPath', 'configMap', 'secret'] as const;
export type VolumeType = (typeof VOLUME_TYPES)[number];

@Entity({ name: 'volumes' })
@Unique('uq_volumes_pod_name', ['podId', 'name'])
export class VolumeEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ name: 'pod_id', type: 'integer' })
  podId: number;

  @ManyToOne(() => PodEntity, (p) => p.volumes, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'pod_id' })
  pod?: PodEntity;

  @Column({ type: 'varchar', length: 63 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  type: VolumeType;

  /** GB; null: an emptyDir without a limit */
  @Column({ name: 'size_gb', type: 'double precision', nullable: true })
  sizeGb: number | null;

  /** null: an emptyDir given no mount path */
  @Column({ type: 'varchar', length: 1024, nullable: true })
  path: string | null;
}
