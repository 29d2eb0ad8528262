import { MigrationInterface, QueryRunner } from 'typeorm';

export class SchedulingConstraints1796180303123 implements MigrationInterface {
  name = 'SchedulingConstraints1796180303123';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "nodes" ADD "taints" jsonb NOT NULL DEFAULT \'[]\'');
    await queryRunner.query('ALTER TABLE "pods" ADD "scheduling" jsonb');
    // memory is now scheduled beside CPU: a node registered without a size gets the default, 4 GiB per core
    await queryRunner.query(
      'UPDATE "nodes" SET "memory_total_mb" = ("cpu_total_m" * 4096) / 1000 WHERE "memory_total_mb" IS NULL',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "scheduling"');
    await queryRunner.query('ALTER TABLE "nodes" DROP COLUMN "taints"');
  }
}
