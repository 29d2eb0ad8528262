import { MigrationInterface, QueryRunner } from 'typeorm';

export class PodSpecVersion1796161120582 implements MigrationInterface {
  name = 'PodSpecVersion1796161120582';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" ADD "spec_version" integer NOT NULL DEFAULT \'0\'');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "pods" DROP COLUMN "spec_version"');
  }
}
