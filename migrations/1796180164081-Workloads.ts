import { MigrationInterface, QueryRunner } from 'typeorm';

export class Workloads1796180164081 implements MigrationInterface {
  name = 'Workloads1796180164081';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "replica_sets" ("id" SERIAL NOT NULL, "namespace" character varying(63) NOT NULL DEFAULT \'default\', "name" character varying(253) NOT NULL, "uid" uuid NOT NULL, "generation" bigint NOT NULL DEFAULT \'1\', "resource_version" bigint NOT NULL DEFAULT \'1\', "labels" jsonb NOT NULL DEFAULT \'{}\', "annotations" jsonb NOT NULL DEFAULT \'{}\', "owner_references" jsonb NOT NULL DEFAULT \'[]\', "finalizers" jsonb NOT NULL DEFAULT \'[]\', "spec" jsonb NOT NULL, "status" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deletion_timestamp" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_a8495e4ce47fb0541a82ccf5a45" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_replica_sets_namespace_name" ON "replica_sets" ("namespace", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "deployments" ("id" SERIAL NOT NULL, "namespace" character varying(63) NOT NULL DEFAULT \'default\', "name" character varying(253) NOT NULL, "uid" uuid NOT NULL, "generation" bigint NOT NULL DEFAULT \'1\', "resource_version" bigint NOT NULL DEFAULT \'1\', "labels" jsonb NOT NULL DEFAULT \'{}\', "annotations" jsonb NOT NULL DEFAULT \'{}\', "owner_references" jsonb NOT NULL DEFAULT \'[]\', "finalizers" jsonb NOT NULL DEFAULT \'[]\', "spec" jsonb NOT NULL, "status" jsonb NOT NULL DEFAULT \'{}\', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deletion_timestamp" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_1e5627acb3c950deb83fe98fc48" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_deployments_namespace_name" ON "deployments" ("namespace", "name") ',
    );
    await queryRunner.query(
      'ALTER TABLE "pods" ADD "owner_references" jsonb NOT NULL DEFAULT \'[]\'',
    );
    await queryRunner.query('ALTER TABLE "pods" ADD "generate_name" character varying(63)');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "generate_name"');
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "owner_references"');
    await queryRunner.query('DROP INDEX "public"."uq_deployments_namespace_name"');
    await queryRunner.query('DROP TABLE "deployments"');
    await queryRunner.query('DROP INDEX "public"."uq_replica_sets_namespace_name"');
    await queryRunner.query('DROP TABLE "replica_sets"');
  }
}
