import { MigrationInterface, QueryRunner } from 'typeorm';

export class NodePodsVersion1795309916496 implements MigrationInterface {
  name = 'NodePodsVersion1795309916496';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE "nodes" ADD "pods_version" integer NOT NULL DEFAULT \'0\'',
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "nodes" DROP COLUMN "pods_version"');
  }
}
