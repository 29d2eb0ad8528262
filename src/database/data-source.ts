import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from '../../migrations';

/**
 * The one description of kubesim's database, shared by the Nest app, the tests and
 * the migration scripts. Schema changes only through migrations: never synchronize.
 */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // never log queries: their parameters may hold secret values
    logging: false,
    extra: {
      max: 12,
      // a database that does not answer must give a prompt 503, not a hung request
      connectionTimeoutMillis: 3000,
      statement_timeout: 15000,
      query_timeout: 20000,
      idleTimeoutMillis: 30000,
    },
  };
}

export function createDataSource(url: string): DataSource {
  return new DataSource(dataSourceOptions(url));
}
