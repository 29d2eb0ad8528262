import { randomInt } from 'node:crypto';
import { InvalidArgumentError } from 'commander';

/** Commander value parsers: a bad value is a usage error (exit 2) before any request. */

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('must be a positive number.');
  }
  return n;
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer.');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError('must be a whole number, 0 or more.');
  }
  return n;
}

/** Repeatable `key=value`, gathered into one object. */
export function keyValue(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got '${value}'.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

const NAME_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `node-x7k2p`: a valid DNS-1123 name when the user gave none. */
export function generatedName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[randomInt(NAME_ALPHABET.length)];
  return `${prefix}-${suffix}`;
}
