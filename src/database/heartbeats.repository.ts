import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { NodeRecord } from './records';
import { returning } from './sql';
import { StoreChanges } from './store-changes';

export interface HeartbeatWrite {
  cpuUsedM: number;
  components: Record<string, string>;
  /** pods the agent reports running */
  runningPodIds: number[];
  failedPodIds: number[];
  /** the agent's last beat before it exits */
  terminating: boolean;
}

export interface HeartbeatOutcome {
  previousStatus: string;
  node: NodeRecord;
  startedPodIds: number[];
}

/**
 * A node's heartbeats: one recorded as it comes (the node's last-seen time, its use and
 * components, its revival, the pods it reports running or failed), or routine ones
 * written by the buffer in one statement.
 */
@Injectable()
export class HeartbeatsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: StoreChanges,
  ) {}

  /**
   * Records a heartbeat in one statement: last-seen time, count, reported CPU and
   * components; a pending, not ready, failed or recovering node becomes healthy. Then marks the
   * pods the agent reports as running.
   */
  async recordHeartbeat(nodeId: number, beat: HeartbeatWrite): Promise<HeartbeatOutcome | null> {
    // an agent's last beat on its way out ('terminating') revives nothing
    const revive = beat.terminating
      ? `'__never__'`
      : `'pending', 'not_ready', 'failed', 'recovering'`;
    const [row] = await returning(
      this.dataSource,
      `WITH prev AS (SELECT id, health_status FROM nodes WHERE id = $1 FOR UPDATE)
       UPDATE nodes n SET
              last_heartbeat_at = now(),
              heartbeat_count = n.heartbeat_count + 1,
              cpu_used_m = $2,
              components = $3,
              health_status = CASE WHEN n.health_status IN (${revive})
                                   THEN 'healthy' ELSE n.health_status END,
              status_changed_at = CASE WHEN n.health_status IN (${revive})
                                   THEN now() ELSE n.status_changed_at END,
              recovery_attempts = CASE WHEN n.health_status IN (${revive})
                                   THEN 0 ELSE n.recovery_attempts END,
              next_recovery_at = CASE WHEN n.health_status IN (${revive})
                                   THEN NULL ELSE n.next_recovery_at END
         FROM prev WHERE n.id = prev.id
       RETURNING prev.health_status AS previous_status, n.*`,
      [nodeId, beat.cpuUsedM, JSON.stringify(beat.components)],
    );
    if (!row) return null;
    const { previous_status: previousStatus, ...node } = row;
    if (previousStatus !== node.health_status) this.changes.nodesChanged();
    let startedPodIds: number[] = [];
    if (node.health_status === 'healthy') {
      if (beat.runningPodIds.length) {
        const started = await returning<{ id: number }>(
          this.dataSource,
          `UPDATE pods SET status = 'running', started_at = COALESCE(started_at, now()), updated_at = now()
            WHERE node_id = $1 AND id = ANY($2) AND status IN ('scheduled', 'failed') RETURNING id`,
          [nodeId, beat.runningPodIds],
        );
        startedPodIds = started.map((r) => r.id);
      }
      if (beat.failedPodIds.length) {
        await this.dataSource.query(
          `UPDATE pods SET status = 'failed', updated_at = now()
            WHERE node_id = $1 AND id = ANY($2) AND status <> 'failed'`,
          [nodeId, beat.failedPodIds],
        );
      }
    }
    return { previousStatus, node: node as NodeRecord, startedPodIds };
  }

  /**
   * Writes buffered routine heartbeats in one statement. Returns only the nodes that are
   * not as the buffer assumed: gone (status null), no longer healthy, or whose pods
   * changed (pods_version not the one given) — nothing for the thousands that are.
   */
  async flushHeartbeats(
    beats: Array<{
      nodeId: number;
      at: Date;
      beats: number;
      cpuUsedM: number;
      podsVersion: number;
    }>,
  ): Promise<Array<{ id: number; health_status: string | null }>> {
    if (!beats.length) return [];
    return this.dataSource.query(
      `WITH v AS (
         SELECT * FROM unnest($1::int[], $2::timestamptz[], $3::int[], $4::int[], $5::int[])
                  AS v(id, at, beats, cpu, version)),
       u AS (
         UPDATE nodes n SET last_heartbeat_at = GREATEST(n.last_heartbeat_at, v.at),
                            heartbeat_count = n.heartbeat_count + v.beats,
                            cpu_used_m = v.cpu
           FROM v WHERE n.id = v.id
         RETURNING n.id, n.health_status, n.pods_version)
       SELECT v.id, u.health_status FROM v LEFT JOIN u ON u.id = v.id
        WHERE u.id IS NULL OR u.health_status <> 'healthy' OR u.pods_version <> v.version`,
      [
        beats.map((b) => b.nodeId),
        beats.map((b) => b.at.toISOString()),
        beats.map((b) => b.beats),
        beats.map((b) => b.cpuUsedM),
        beats.map((b) => b.podsVersion),
      ],
    );
  }
}
