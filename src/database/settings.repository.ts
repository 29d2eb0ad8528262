import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

/** the settings key where the health monitor leaves the cluster-wide disruption (JSON) */
export const DISRUPTION_SETTING = 'cluster.disruption';

/** The `settings` table: keys and values of the cluster (its id, the scheduler's algorithm, the disruption). */
@Injectable()
export class SettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** This cluster's id, made once: several clusters may share one Docker engine. */
  async clusterId(): Promise<string> {
    await this.dataSource.query(
      `INSERT INTO settings (key, value) VALUES ('cluster.id', $1) ON CONFLICT (key) DO NOTHING`,
      [randomUUID()],
    );
    return (await this.getSetting('cluster.id'))!;
  }

  async getSetting(key: string): Promise<string | null> {
    const [row] = await this.dataSource.query(`SELECT value FROM settings WHERE key = $1`, [key]);
    return row?.value ?? null;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO settings (key, value) VALUES ($1, $2)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [key, value],
    );
  }
}
