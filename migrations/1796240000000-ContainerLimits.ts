import { MigrationInterface, QueryRunner } from 'typeorm';

export class ContainerLimits1796240000000 implements MigrationInterface {
  name = 'ContainerLimits1796240000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "containers" ADD "cpu_limit_m" integer');
    await queryRunner.query('ALTER TABLE "containers" ADD "memory_limit_mb" integer');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "containers" DROP COLUMN "memory_limit_mb"');
    await queryRunner.query('ALTER TABLE "containers" DROP COLUMN "cpu_limit_m"');
  }
}
