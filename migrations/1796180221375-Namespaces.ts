import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Namespaces: a table seeded with the four every cluster has, pods named uniquely per
 * namespace (and kept from a namespace's removal while it holds any), events in their
 * pod's namespace. An event stored without one gets it from the trigger: its pod's when
 * exactly one pod has that name, else `default` (node and cluster events are there).
 */
export class Namespaces1796180221375 implements MigrationInterface {
  name = 'Namespaces1796180221375';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "namespaces" ("id" SERIAL NOT NULL, "name" character varying(63) NOT NULL, "uid" uuid NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'Active', "labels" jsonb NOT NULL DEFAULT '{}', "annotations" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "deleted_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_148ffc0b4a49d22cd26049bfd5e" UNIQUE ("name"), CONSTRAINT "PK_35c142e0f0de70165cc1a74b2cb" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "namespaces" ("name", "uid")
       SELECT n, gen_random_uuid() FROM unnest(ARRAY['default', 'kube-system', 'kube-public', 'kube-node-lease']) AS n`,
    );
    await queryRunner.query(
      `ALTER TABLE "pods" ADD "namespace" character varying(63) NOT NULL DEFAULT 'default'`,
    );
    await queryRunner.query(
      `ALTER TABLE "events" ADD "namespace" character varying(63) NOT NULL DEFAULT 'default'`,
    );
    await queryRunner.query(`ALTER TABLE "events" ALTER COLUMN "namespace" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "pods" DROP CONSTRAINT "UQ_6164be55813e8c81f0682fdc906"`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "idx_pods_namespace_name" ON "pods" ("namespace", "name") `,
    );
    // the events trigger looks pods up by name alone
    await queryRunner.query(`CREATE INDEX "idx_pods_name" ON "pods" ("name") `);
    await queryRunner.query(`CREATE INDEX "idx_events_namespace" ON "events" ("namespace") `);
    await queryRunner.query(
      `ALTER TABLE "pods" ADD CONSTRAINT "FK_148fffa4e4ccf4807c95e9be658" FOREIGN KEY ("namespace") REFERENCES "namespaces"("name") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `CREATE FUNCTION events_namespace() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.namespace IS NULL AND NEW.object LIKE 'pod/%' THEN
           SELECT CASE WHEN count(*) = 1 THEN min(p.namespace) END INTO NEW.namespace
             FROM pods p WHERE p.name = substr(NEW.object, 5);
         END IF;
         NEW.namespace := COALESCE(NEW.namespace, 'default');
         RETURN NEW;
       END $$`,
    );
    await queryRunner.query(
      `CREATE TRIGGER events_namespace BEFORE INSERT ON "events"
       FOR EACH ROW EXECUTE FUNCTION events_namespace()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER events_namespace ON "events"`);
    await queryRunner.query(`DROP FUNCTION events_namespace()`);
    await queryRunner.query(`ALTER TABLE "pods" DROP CONSTRAINT "FK_148fffa4e4ccf4807c95e9be658"`);
    await queryRunner.query(`DROP INDEX "public"."idx_events_namespace"`);
    await queryRunner.query(`DROP INDEX "public"."idx_pods_name"`);
    await queryRunner.query(`DROP INDEX "public"."idx_pods_namespace_name"`);
    // pods of the same name in two namespaces cannot both survive the global unique again
    await queryRunner.query(
      `DELETE FROM "pods" p USING "pods" q WHERE p.name = q.name AND p.namespace <> 'default' AND p.id > q.id`,
    );
    await queryRunner.query(
      `ALTER TABLE "pods" ADD CONSTRAINT "UQ_6164be55813e8c81f0682fdc906" UNIQUE ("name")`,
    );
    await queryRunner.query(`ALTER TABLE "events" DROP COLUMN "namespace"`);
    await queryRunner.query(`ALTER TABLE "pods" DROP COLUMN "namespace"`);
    await queryRunner.query(`DROP TABLE "namespaces"`);
  }
}
