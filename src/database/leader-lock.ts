import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** Any fixed number shared by every replica of one cluster (one per loop that leads alone). */
export const LOOPS_LOCK = 7_414_002;

/**
 * Leadership among API replicas on one database: the holder of a session-level
 * Postgres advisory lock runs the control loops. The lock lives on its own
 * connection, so it goes with the holder's process (or its connection) at once.
 */
export class LeaderLock {
  private readonly logger = new Logger(LeaderLock.name);
  private client: Client | null = null;
  private leader = false;
  /** the last try could not reach the database at all */
  unreachable = false;

  constructor(
    private readonly url: string,
    private readonly key = LOOPS_LOCK,
    private readonly what = 'the control loops',
  ) {}

  get isLeader(): boolean {
    return this.leader;
  }

  /** Tries to take (or confirms it still holds) the lock; never throws. */
  async acquire(): Promise<boolean> {
    try {
      if (!this.client) {
        const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 3000 });
        client.on('error', () => this.drop('its database connection broke'));
        await client.connect();
        this.client = client;
      }
      if (this.leader) {
        await this.client.query('SELECT 1');
        this.unreachable = false;
        return true;
      }
      const { rows } = await this.client.query('SELECT pg_try_advisory_lock($1) AS ok', [this.key]);
      this.unreachable = false;
      if (rows[0].ok) {
        this.leader = true;
        this.logger.log(`this replica now runs ${this.what}`);
      }
      return this.leader;
    } catch (err) {
      this.unreachable = true;
      this.drop((err as Error).message);
      return false;
    }
  }

  private drop(why: string): void {
    if (this.leader) this.logger.warn(`lost the lock of ${this.what}: ${why}`);
    this.leader = false;
    const client = this.client;
    this.client = null;
    client?.end().catch(() => undefined);
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    // ending our own connection is no loss to report
    client?.removeAllListeners('error').on('error', () => undefined);
    if (!client) return;
    try {
      if (this.leader) await client.query('SELECT pg_advisory_unlock($1)', [this.key]);
    } catch {
      /* the lock goes with the connection anyway */
    } finally {
      this.leader = false;
      await client.end().catch(() => undefined);
    }
  }
}
