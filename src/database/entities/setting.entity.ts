import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Cluster-wide settings shared by every API replica (the scheduler algorithm). */
@Entity({ name: 'settings' })
export class SettingEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key: string;

  @Column({ type: 'text' })
  value: string;
}
