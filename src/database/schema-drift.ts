import { DataSource } from 'typeorm';

export interface SchemaDiff {
  up: string[];
  down: string[];
}

/** What TypeORM would change to make the migrated schema match the entities. */
export async function schemaDrift(dataSource: DataSource): Promise<SchemaDiff> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  const text = (q: { query: string; parameters?: unknown[] }) =>
    q.parameters && q.parameters.length ? `${q.query} -- ${JSON.stringify(q.parameters)}` : q.query;
  return { up: log.upQueries.map(text), down: log.downQueries.map(text) };
}
