import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { retryOnConflict } from './database';
import { GroupCommitQueue } from './group-commit-queue';
import { isDatabaseUnavailable } from './pg-errors';
import { JoinedEventColumns, splitJoinedEvent } from './joined-event';
import { NodeRecord, StoredEvent } from './records';
import { returning } from './sql';
import { StoreChanges } from './store-changes';

/** beats written in one statement at most */
const BEAT_BATCH = 128;
/** runs of a batch at most, when PostgreSQL aborts it to break a deadlock */
const BEAT_RUNS = 4;

type RecordedBeat = NodeRecord & { previous_status: string } & JoinedEventColumns;

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
  /** the node's NodeReady or NodeRecovered, when this beat revived it (stored with the beat) */
  event: StoredEvent | null;
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
   * Records a heartbeat: last-seen time, count, reported CPU and components; a pending,
   * not ready, failed or recovering node becomes healthy. Then marks the pods the agent
   * reports as running. Beats that arrive together (a fleet's first beats) are written in
   * one statement (`GroupCommitQueue`), each answered once it is committed; two beats of
   * one node never share a statement.
   */
  async recordHeartbeat(nodeId: number, beat: HeartbeatWrite): Promise<HeartbeatOutcome | null> {
    const row = await this.beats.submit({ nodeId, beat });
    if (!row) return null;
    const { rest, event } = splitJoinedEvent(row, (n) => `node/${n.name}`);
    const { previous_status: previousStatus, ...node } = rest;
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
    return { previousStatus, node: node as NodeRecord, startedPodIds, event };
  }

  private readonly beats = new GroupCommitQueue<
    { nodeId: number; beat: HeartbeatWrite },
    RecordedBeat | null
  >({
    write: (beats) => this.recordHeartbeats(beats),
    maxBatch: BEAT_BATCH,
    key: (b) => b.nodeId,
    retryAlone: (err) => !isDatabaseUnavailable(err),
  });

  /**
   * The beats' rows in one statement, their nodes locked in id order (so two batches, or a
   * batch and another writer of several nodes, meet them in the same order); null for a
   * node that is gone. An agent's last beat on its way out ('terminating') revives nothing.
   * A node revived gets its event in the same statement (NodeReady after its first beat or
   * after silence, NodeRecovered after a failure): one round trip for a node's first beat.
   */
  private async recordHeartbeats(
    beats: Array<{ nodeId: number; beat: HeartbeatWrite }>,
  ): Promise<Array<RecordedBeat | null>> {
    const revive = `NOT v.terminating AND n.health_status IN ('pending', 'not_ready', 'failed', 'recovering')`;
    const rows = await retryOnConflict(
      () =>
        returning<RecordedBeat>(
          this.dataSource,
          `WITH v AS (
             SELECT * FROM unnest($1::int[], $2::int[], $3::jsonb[], $4::bool[])
                      AS v(id, cpu, components, terminating)),
           prev AS (
             SELECT n.id, n.health_status FROM nodes n
              WHERE n.id IN (SELECT id FROM v) ORDER BY n.id FOR UPDATE),
           up AS (
             UPDATE nodes n SET
                    last_heartbeat_at = now(),
                    heartbeat_count = n.heartbeat_count + 1,
                    cpu_used_m = v.cpu,
                    components = v.components,
                    health_status = CASE WHEN ${revive} THEN 'healthy' ELSE n.health_status END,
                    status_changed_at = CASE WHEN ${revive} THEN now() ELSE n.status_changed_at END,
                    recovery_attempts = CASE WHEN ${revive} THEN 0 ELSE n.recovery_attempts END,
                    next_recovery_at = CASE WHEN ${revive} THEN NULL ELSE n.next_recovery_at END
               FROM prev JOIN v ON v.id = prev.id
              WHERE n.id = prev.id
             RETURNING prev.health_status AS previous_status, n.*),
           ev AS (
             INSERT INTO events (type, reason, object, message)
             SELECT 'Normal',
                    CASE WHEN previous_status = 'pending' OR previous_status = 'not_ready'
                         THEN 'NodeReady' ELSE 'NodeRecovered' END,
                    'node/' || name,
                    'Node ' || name || CASE previous_status
                      WHEN 'pending' THEN ' is ready: first heartbeat received'
                      WHEN 'not_ready' THEN ' is ready again: heartbeats resumed'
                      ELSE ' is healthy again: heartbeats resumed' END
               FROM up
              WHERE health_status = 'healthy' AND previous_status <> 'healthy'
              ORDER BY id
             RETURNING id, object, reason, message, namespace, created_at)
           SELECT up.*, ev.id AS event_id, ev.reason AS event_reason, ev.message AS event_message,
                  ev.namespace AS event_namespace, ev.created_at AS event_at
             FROM up LEFT JOIN ev ON ev.object = 'node/' || up.name`,
          [
            beats.map((b) => b.nodeId),
            beats.map((b) => b.beat.cpuUsedM),
            beats.map((b) => JSON.stringify(b.beat.components)),
            beats.map((b) => b.beat.terminating),
          ],
        ),
      BEAT_RUNS,
    );
    const changed = rows.filter((r) => r.previous_status !== r.health_status).map((r) => r.id);
    if (changed.length) this.changes.nodesChanged(changed);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return beats.map((b) => byId.get(b.nodeId) ?? null);
  }

  /**
   * Writes buffered routine heartbeats in one statement. Returns only the nodes that are
   * not as the buffer assumed: gone (status null), no longer healthy, or whose pods
   * changed (pods_version not the one given) — nothing for the thousands that are. Run
   * again when PostgreSQL breaks a deadlock with it (a creation batch takes several nodes
   * in an order of its own): dropped, those beats' nodes would go the full way again.
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
    return retryOnConflict(
      () =>
        this.dataSource.query(
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
        ),
      BEAT_RUNS,
    );
  }
}
