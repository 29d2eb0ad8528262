import { MigrationInterface, QueryRunner } from 'typeorm';

export class OptionalEmptyDirSizeAndPath1796161038704 implements MigrationInterface {
  name = 'OptionalEmptyDirSizeAndPath1796161038704';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "volumes" ALTER COLUMN "size_gb" DROP NOT NULL');
    await queryRunner.query('ALTER TABLE "volumes" ALTER COLUMN "size_gb" DROP DEFAULT');
    await queryRunner.query('ALTER TABLE "volumes" ALTER COLUMN "path" DROP NOT NULL');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    // the older schema has no "unset": an emptyDir without them gets what it used to default to
    await queryRunner.query('UPDATE "volumes" SET "path" = \'\' WHERE "path" IS NULL');
    await queryRunner.query('UPDATE "volumes" SET "size_gb" = 0 WHERE "size_gb" IS NULL');
    await queryRunner.query('ALTER TABLE "volumes" ALTER COLUMN "path" SET NOT NULL');
    await queryRunner.query('ALTER TABLE "volumes" ALTER COLUMN "size_gb" SET DEFAULT \'0\'');
    await queryRunner.query('ALTER TABLE "volumes" ALTER COLUMN "size_gb" SET NOT NULL');
  }
}
