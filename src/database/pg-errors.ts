/** How kubesim tells PostgreSQL's errors apart: the database out of reach, or a transaction
 * it gave up that can simply run again. Used by the HTTP filter, the scheduler and the loops. */

import { QueryFailedError } from 'typeorm';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01', // admin shutdown
  '57P02',
  '57P03', // cannot connect now
  '53300', // too many connections
  '08000',
  '08003',
  '08006',
]);
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Connection is not established',
  'connect ECONNREFUSED',
  'terminating connection',
  'Query read timeout',
  'Driver not Connected',
  'Connection terminated unexpectedly',
];

/** Whether an error means the database cannot be reached (as opposed to a bad query). */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as {
    code?: string;
    message?: string;
    driverError?: { code?: string; message?: string };
  };
  const code = e?.driverError?.code ?? e?.code;
  if (code && CONNECTION_CODES.has(code)) return true;
  const message = `${e?.message ?? ''} ${e?.driverError?.message ?? ''}`;
  return CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/**
 * PostgreSQL gave up one of two transactions that waited on each other (a deadlock) or
 * could not serialise it: nothing of it was written, and the same request again succeeds.
 */
export function isTransientConflict(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === '40P01' || code === '40001';
}

/** A unique constraint refused the write (23505): the name or key is taken. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return (e?.driverError?.code ?? e?.code) === '23505';
}

/**
 * A foreign key refused the write: a row still refers to the one being deleted (23503, or
 * 23001 for an ON DELETE RESTRICT key).
 */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === '23503' || code === '23001';
}

/**
 * The message of a data error (SQLSTATE class 22: a value PostgreSQL refused, such as a
 * number out of range), which is the client's input at fault and not kubesim; else null.
 */
export function dataErrorOf(err: unknown): string | null {
  if (!(err instanceof QueryFailedError)) return null;
  const code = (err.driverError as { code?: string } | undefined)?.code ?? '';
  return code.startsWith('22') ? err.message : null;
}
