import { MigrationInterface, QueryRunner } from 'typeorm';

export class ContainerLogs1796181655220 implements MigrationInterface {
  name = 'ContainerLogs1796181655220';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "container_logs" ("id" BIGSERIAL NOT NULL, "pod_id" integer NOT NULL, "container" character varying(63) NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "line" text NOT NULL, CONSTRAINT "PK_ba2a9d067889862de6fa9bd770b" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE INDEX "idx_container_logs_pod_container" ON "container_logs" ("pod_id", "container", "id") ',
    );
    await queryRunner.query(
      'ALTER TABLE "container_logs" ADD CONSTRAINT "FK_60356353d5323fe216270689c57" FOREIGN KEY ("pod_id") REFERENCES "pods"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "container_logs" DROP CONSTRAINT "FK_60356353d5323fe216270689c57"',
    );
    await queryRunner.query('DROP INDEX "public"."idx_container_logs_pod_container"');
    await queryRunner.query('DROP TABLE "container_logs"');
  }
}
