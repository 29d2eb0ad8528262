import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DecisionRecord, DecisionWrite } from './records';
import { Db } from './sql';

/** decisions kept per pod: the latest and its history */
export const DECISIONS_KEPT = 10;
/** deferred creation decisions written in one statement at most */
const DECISION_BATCH = 256;
/** deferred decisions queued beyond this make the next pod batch wait for them */
const DECISION_BACKLOG = 4 * DECISION_BATCH;

/**
 * The `scheduling_decisions` table: why each pod went where it went (or stayed pending),
 * its latest decisions kept. A pod batch's creation decisions are written after it.
 */
@Injectable()
export class DecisionsRepository implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DecisionsRepository.name);
  private readonly pendingDecisions: Array<DecisionWrite & { podId: number }> = [];
  private decisionWrite: Promise<void> | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.decisionsWritten();
  }

  /**
   * Stores a decision about a pod in the caller's transaction. A pod retried while
   * pending with the same outcome as its last decision updates that one (its time,
   * detail and attempts) instead of filling the history with copies; past
   * DECISIONS_KEPT the oldest go.
   */
  async recordDecision(db: Db, podId: number, decision: DecisionWrite): Promise<void> {
    const [row] = await db.query(
      `WITH last AS (
         SELECT id FROM scheduling_decisions WHERE pod_id = $1 ORDER BY id DESC LIMIT 1),
       same AS (
         UPDATE scheduling_decisions d
            SET attempts = d.attempts + 1, decided_at = now(), detail = $6
           FROM last
          WHERE d.id = last.id AND d.node_name IS NULL AND $4::text IS NULL
            AND d.reason = $5 AND d.algorithm = $3
          RETURNING d.id),
       added AS (
         INSERT INTO scheduling_decisions (pod_id, trigger, algorithm, node_name, reason, detail)
         SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM same)
         RETURNING id)
       SELECT (SELECT count(*) FROM added)::int AS added`,
      [
        podId,
        decision.trigger,
        decision.algorithm,
        decision.nodeName,
        decision.reason,
        JSON.stringify(decision.detail),
      ],
    );
    if (row.added) {
      await db.query(
        `DELETE FROM scheduling_decisions
          WHERE pod_id = $1 AND id <= (SELECT id FROM scheduling_decisions WHERE pod_id = $1
                                        ORDER BY id DESC OFFSET $2 LIMIT 1)`,
        [podId, DECISIONS_KEPT],
      );
    }
  }

  /**
   * The creation decisions of a committed pod batch, written by the next statement on
   * another connection rather than inside the batch: a decision's detail (a row per node
   * on small clusters, ~13 kB there) cost PostgreSQL more than the pods themselves, and the
   * one batch in flight waited for it. Readers of decisions wait for these writes first.
   * PostgreSQL falling behind on them slows creations rather than filling memory: past
   * a backlog, this waits for the writes.
   */
  async deferDecisions(rows: Array<DecisionWrite & { podId: number }>): Promise<void> {
    if (rows.length) {
      this.pendingDecisions.push(...rows);
      this.decisionWrite ??= this.writeDeferredDecisions();
    }
    if (this.pendingDecisions.length > DECISION_BACKLOG) await this.decisionsWritten();
  }

  private async writeDeferredDecisions(): Promise<void> {
    try {
      while (this.pendingDecisions.length) {
        const batch = this.pendingDecisions.splice(0, DECISION_BATCH);
        try {
          await this.insertDecisions(batch);
        } catch {
          // a pod deleted meanwhile fails the statement: the others go one by one
          for (const row of batch) {
            await this.insertDecisions([row]).catch((err: Error) =>
              this.logger.warn(
                `scheduling decision of pod ${row.podId} not stored: ${err.message}`,
              ),
            );
          }
        }
      }
    } finally {
      this.decisionWrite = null;
    }
  }

  private async insertDecisions(rows: Array<DecisionWrite & { podId: number }>): Promise<void> {
    // those of pods deleted meanwhile are left out, each looked up by its id: a scalar
    // subquery, not EXISTS, which PostgreSQL may plan as a scan of every pod when the pods'
    // statistics lag behind a table that grows fast (a seq scan per batch of creations)
    await this.dataSource.query(
      `INSERT INTO scheduling_decisions (pod_id, trigger, algorithm, node_name, reason, detail)
       SELECT r.pod_id, r.trigger, r.algorithm, r.node_name, r.reason, r.detail
         FROM json_to_recordset($1) AS r(ord int, pod_id int, trigger text, algorithm text,
                                          node_name text, reason text, detail jsonb)
        WHERE (SELECT true FROM pods p WHERE p.id = r.pod_id)
        ORDER BY r.ord`,
      [
        JSON.stringify(
          rows.map((r, ord) => ({
            ord,
            pod_id: r.podId,
            trigger: r.trigger,
            algorithm: r.algorithm,
            node_name: r.nodeName,
            reason: r.reason,
            detail: r.detail,
          })),
        ),
      ],
    );
  }

  /** Resolves once every deferred decision queued so far is stored (or given up). */
  async decisionsWritten(): Promise<void> {
    while (this.decisionWrite) await this.decisionWrite;
  }

  /** A pod's decisions, newest first. */
  async decisionsOf(podId: number): Promise<DecisionRecord[]> {
    await this.decisionsWritten();
    return this.dataSource.query(
      `SELECT id::text, trigger, algorithm, node_name, reason, detail, attempts, decided_at
         FROM scheduling_decisions WHERE pod_id = $1 ORDER BY id DESC LIMIT $2`,
      [podId, DECISIONS_KEPT],
    );
  }
}
