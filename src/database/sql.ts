import { EntityManager } from 'typeorm';

/** Where a repository's statement runs: the pool, or the caller's transaction. */
export type Db = Pick<EntityManager, 'query'>;

/**
 * Rows of an UPDATE or DELETE … RETURNING: TypeORM's postgres driver answers those
 * with [rows, affectedCount] where a SELECT or INSERT gives the rows alone.
 */
export function rowsOf<T = Record<string, any>>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}

/** Runs an UPDATE or DELETE … RETURNING and answers its rows (`rowsOf`). */
export async function returning<T = Record<string, any>>(
  db: Db,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  return rowsOf<T>(await db.query(sql, params));
}
