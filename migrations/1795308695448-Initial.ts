import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795308695448 implements MigrationInterface {
  name = 'Initial1795308695448';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE TABLE "nodes" ("id" SERIAL NOT NULL, "name" character varying(63) NOT NULL, "node_type" character varying(16) NOT NULL DEFAULT \'worker\', "health_status" character varying(32) NOT NULL DEFAULT \'pending\', "cordoned" boolean NOT NULL DEFAULT false, "cpu_total_m" integer NOT NULL, "cpu_allocated_m" integer NOT NULL DEFAULT \'0\', "cpu_used_m" integer NOT NULL DEFAULT \'0\', "memory_total_mb" integer, "memory_allocated_mb" integer NOT NULL DEFAULT \'0\', "labels" jsonb NOT NULL DEFAULT \'{}\', "components" jsonb NOT NULL DEFAULT \'{}\', "token_hash" character varying(64) NOT NULL, "ip_seq" integer NOT NULL DEFAULT \'0\', "last_heartbeat_at" TIMESTAMP WITH TIME ZONE, "heartbeat_count" integer NOT NULL DEFAULT \'0\', "recovery_attempts" integer NOT NULL DEFAULT \'0\', "next_recovery_at" TIMESTAMP WITH TIME ZONE, "status_changed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "runtime" character varying(16) NOT NULL DEFAULT \'external\', "runtime_ref" character varying(128), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_b8645506b68b2c103372aacc0ff" UNIQUE ("name"), CONSTRAINT "PK_682d6427523a0fa43d062ea03ee" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_nodes_health_status" ON "nodes" ("health_status") ');
    await queryRunner.query(
      'CREATE TABLE "containers" ("id" SERIAL NOT NULL, "pod_id" integer NOT NULL, "name" character varying(63) NOT NULL, "image" character varying(255) NOT NULL, "cpu_req_m" integer NOT NULL, "memory_req_mb" integer NOT NULL DEFAULT \'0\', "command" jsonb NOT NULL DEFAULT \'[]\', "args" jsonb NOT NULL DEFAULT \'[]\', "status" character varying(16) NOT NULL DEFAULT \'waiting\', "restart_count" integer NOT NULL DEFAULT \'0\', CONSTRAINT "uq_containers_pod_name" UNIQUE ("pod_id", "name"), CONSTRAINT "PK_21cbac3e68f7b1cf53d39cda70c" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "volumes" ("id" SERIAL NOT NULL, "pod_id" integer NOT NULL, "name" character varying(63) NOT NULL, "type" character varying(16) NOT NULL, "size_gb" double precision NOT NULL DEFAULT \'0\', "path" character varying(1024) NOT NULL, CONSTRAINT "uq_volumes_pod_name" UNIQUE ("pod_id", "name"), CONSTRAINT "PK_f3d03a6ad79006b028d3eae9e9f" PRIMARY KEY ("id"))',
    );
    await queryRunner.query(
      'CREATE TABLE "config_items" ("id" SERIAL NOT NULL, "pod_id" integer NOT NULL, "name" character varying(253) NOT NULL, "type" character varying(16) NOT NULL, "key" character varying(253) NOT NULL, "value" text NOT NULL, CONSTRAINT "PK_c223d8328eb8d4a08a3e28d96fa" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_config_items_pod_id" ON "config_items" ("pod_id") ');
    await queryRunner.query(
      'CREATE TABLE "pods" ("id" SERIAL NOT NULL, "name" character varying(63) NOT NULL, "status" character varying(16) NOT NULL DEFAULT \'pending\', "node_id" integer, "reason" text, "ip" character varying(15), "cpu_req_m" integer NOT NULL, "memory_req_mb" integer NOT NULL DEFAULT \'0\', "scheduler_algorithm" character varying(16), "restart_count" integer NOT NULL DEFAULT \'0\', "scheduled_at" TIMESTAMP WITH TIME ZONE, "started_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_6164be55813e8c81f0682fdc906" UNIQUE ("name"), CONSTRAINT "PK_b00bbc2c7fb41627be2b169f0dd" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_pods_status" ON "pods" ("status") ');
    await queryRunner.query('CREATE INDEX "idx_pods_node_id" ON "pods" ("node_id") ');
    await queryRunner.query(
      'CREATE TABLE "events" ("id" BIGSERIAL NOT NULL, "type" character varying(8) NOT NULL, "reason" character varying(64) NOT NULL, "object" character varying(80) NOT NULL, "message" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_40731c7151fe4be3116e45ddf73" PRIMARY KEY ("id"))',
    );
    await queryRunner.query('CREATE INDEX "idx_events_reason" ON "events" ("reason") ');
    await queryRunner.query('CREATE INDEX "idx_events_object" ON "events" ("object") ');
    await queryRunner.query('CREATE INDEX "idx_events_created_at" ON "events" ("created_at") ');
    await queryRunner.query(
      'CREATE TABLE "settings" ("key" character varying(64) NOT NULL, "value" text NOT NULL, CONSTRAINT "PK_c8639b7626fa94ba8265628f214" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'CREATE TABLE "idempotency_keys" ("key" character varying(255) NOT NULL, "scope" character varying(64) NOT NULL, "status_code" integer NOT NULL, "body" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_0afd83cbf08c9d12089a9bffc5e" PRIMARY KEY ("key"))',
    );
    await queryRunner.query(
      'ALTER TABLE "containers" ADD CONSTRAINT "FK_8a68275e30c90024f232f3d0784" FOREIGN KEY ("pod_id") REFERENCES "pods"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "volumes" ADD CONSTRAINT "FK_078e622f7cc288e97dd29d717cf" FOREIGN KEY ("pod_id") REFERENCES "pods"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "config_items" ADD CONSTRAINT "FK_cbbd57c443a678d124cd2291fcf" FOREIGN KEY ("pod_id") REFERENCES "pods"("id") ON DELETE CASCADE ON UPDATE NO ACTION',
    );
    await queryRunner.query(
      'ALTER TABLE "pods" ADD CONSTRAINT "FK_8708818c9f6385a2ce716911b0f" FOREIGN KEY ("node_id") REFERENCES "nodes"("id") ON DELETE RESTRICT ON UPDATE NO ACTION',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" DROP CONSTRAINT "FK_8708818c9f6385a2ce716911b0f"');
    await queryRunner.query(
      'ALTER TABLE "config_items" DROP CONSTRAINT "FK_cbbd57c443a678d124cd2291fcf"',
    );
    await queryRunner.query(
      'ALTER TABLE "volumes" DROP CONSTRAINT "FK_078e622f7cc288e97dd29d717cf"',
    );
    await queryRunner.query(
      'ALTER TABLE "containers" DROP CONSTRAINT "FK_8a68275e30c90024f232f3d0784"',
    );
    await queryRunner.query('DROP TABLE "idempotency_keys"');
    await queryRunner.query('DROP TABLE "settings"');
    await queryRunner.query('DROP INDEX "public"."idx_events_created_at"');
    await queryRunner.query('DROP INDEX "public"."idx_events_object"');
    await queryRunner.query('DROP INDEX "public"."idx_events_reason"');
    await queryRunner.query('DROP TABLE "events"');
    await queryRunner.query('DROP INDEX "public"."idx_pods_node_id"');
    await queryRunner.query('DROP INDEX "public"."idx_pods_status"');
    await queryRunner.query('DROP TABLE "pods"');
    await queryRunner.query('DROP INDEX "public"."idx_config_items_pod_id"');
    await queryRunner.query('DROP TABLE "config_items"');
    await queryRunner.query('DROP TABLE "volumes"');
    await queryRunner.query('DROP TABLE "containers"');
    await queryRunner.query('DROP INDEX "public"."idx_nodes_health_status"');
    await queryRunner.query('DROP TABLE "nodes"');
  }
}
