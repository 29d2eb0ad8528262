import { MigrationInterface, QueryRunner } from 'typeorm';

export class PodLabels1796163486083 implements MigrationInterface {
  name = 'PodLabels1796163486083';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" ADD "labels" jsonb NOT NULL DEFAULT \'{}\'');
    await queryRunner.query('ALTER TABLE "pods" ADD "annotations" jsonb NOT NULL DEFAULT \'{}\'');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "annotations"');
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "labels"');
  }
}
