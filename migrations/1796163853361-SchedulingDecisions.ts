import { MigrationInterface, QueryRunner } from 'typeorm';

export class SchedulingDecisions1796163853361 implements MigrationInterface {
  name = 'SchedulingDecisions1796163853361';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "scheduling_decisions" ("id" BIGSERIAL NOT NULL, "pod_id" integer NOT NULL, "trigger" character varying(16) NOT NULL, "algorithm" character varying(16) NOT NULL, "node_name" character varying(63), "reason" text NOT NULL, "detail" jsonb NOT NULL, "attempts" integer NOT NULL DEFAULT \'1\', "decided_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c4d2eefa9ca3cadb7a1804bac28" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_scheduling_decisions_pod" ON "scheduling_decisions" ("pod_id", "id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "scheduling_decisions" ADD CONSTRAINT "FK_6db00ee1cba8619d91b825e783d" FOREIGN KEY ("pod_id") REFERENCES "pods"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "scheduling_decisions" DROP CONSTRAINT "FK_6db00ee1cba8619d91b825e783d"',
    );
    await queryRunner.query('DROP INDEX "public"."idx_scheduling_decisions_pod"');
    await queryRunner.query('DROP TABLE "scheduling_decisions"');
  }
}
