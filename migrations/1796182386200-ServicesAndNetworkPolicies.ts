import { MigrationInterface, QueryRunner } from 'typeorm';

export class ServicesAndNetworkPolicies1796182386200 implements MigrationInterface {
  name = 'ServicesAndNetworkPolicies1796182386200';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "services" ("id" SERIAL NOT NULL, "namespace" text NOT NULL DEFAULT \'default\', "name" character varying(63) NOT NULL, "uid" uuid NOT NULL, "resource_version" bigint NOT NULL, "labels" jsonb NOT NULL DEFAULT \'{}\', "annotations" jsonb NOT NULL DEFAULT \'{}\', "spec" jsonb NOT NULL, "cluster_ip" character varying(15), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ba2d347a3168a296416c6c5ccb2" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_services_cluster_ip" ON "services" ("cluster_ip") WHERE "cluster_ip" IS NOT NULL',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_services_namespace_name" ON "services" ("namespace", "name") ',
    );
    await queryRunner.query(
      'CREATE TABLE "network_policies" ("id" SERIAL NOT NULL, "namespace" text NOT NULL DEFAULT \'default\', "name" character varying(63) NOT NULL, "uid" uuid NOT NULL, "resource_version" bigint NOT NULL, "labels" jsonb NOT NULL DEFAULT \'{}\', "annotations" jsonb NOT NULL DEFAULT \'{}\', "spec" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_84f2b622620b3179bd51167d71e" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE UNIQUE INDEX "uq_network_policies_namespace_name" ON "network_policies" ("namespace", "name") ',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."uq_network_policies_namespace_name"');
    await queryRunner.query('DROP TABLE "network_policies"');
    await queryRunner.query('DROP INDEX "public"."uq_services_namespace_name"');
    await queryRunner.query('DROP INDEX "public"."uq_services_cluster_ip"');
    await queryRunner.query('DROP TABLE "services"');
  }
}
