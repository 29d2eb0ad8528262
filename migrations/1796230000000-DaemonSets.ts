import { MigrationInterface, QueryRunner } from 'typeorm';

export class DaemonSets1796230000000 implements MigrationInterface {
  name = 'DaemonSets1796230000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "daemon_sets" ("id" SERIAL NOT NULL, "namespace" character varying(63) NOT NULL DEFAULT \'default\', "name" character varying(253) NOT NULL, "uid" uuid NOT NULL, "generation" bigint NOT NULL DEFAULT \'1\', "resource_version" bigint NOT NULL DEFAULT \'1\', "labels" jsonb NOT NULL DEFAULT \'{}\', "annotations" jsonb NOT NULL DEFAULT \'{}\', "owner_references" jsonb NOT NULL DEFAULT \'[]\', "finalizers" jsonb NOT NULL DEFAULT \'[]\', "spec" jsonb NOT NULL, "status" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deletion_timestamp" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_3c459f4d04907dbb67c316c7ace" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_daemon_sets_namespace_name" ON "daemon_sets" ("namespace", "name") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."uq_daemon_sets_namespace_name"');
    await queryRunner.query('DROP TABLE "daemon_sets"');
  }
}
