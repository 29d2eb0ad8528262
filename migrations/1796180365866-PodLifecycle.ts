import { MigrationInterface, QueryRunner } from 'typeorm';

export class PodLifecycle1796180365866 implements MigrationInterface {
  name = 'PodLifecycle1796180365866';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "containers" ADD "state" jsonb');
    await queryRunner.query(
      'ALTER TABLE "pods" ADD "restart_policy" character varying(16) NOT NULL DEFAULT \'Always\'',
    );
    await queryRunner.query('ALTER TABLE "pods" ADD "finished_at" TIMESTAMP WITH TIME ZONE');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "finished_at"');
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "restart_policy"');
    await queryRunner.query('ALTER TABLE "containers" DROP COLUMN "state"');
  }
}
