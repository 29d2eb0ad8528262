/** Applies pending migrations to DATABASE_URL (the server also does this on boot). */
import { createDataSource } from '../src/database/data-source';

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      'DATABASE_URL is not set; the embedded database is migrated by `npm start` itself',
    );
    process.exit(2);
  }
  const ds = createDataSource(url);
  await ds.initialize();
  const done = await ds.runMigrations({ transaction: 'each' });
  console.log(
    done.length ? `applied ${done.map((m) => m.name).join(', ')}` : 'no pending migrations',
  );
  await ds.destroy();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
