import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsString,
  IsOptional,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidationArguments,
  ValidationOptions,
  registerDecorator,
} from 'class-validator';

/** DNS-1123 label, as Kubernetes requires of names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function IsDnsLabel(example: string) {
  return applyDecorators(
    ApiProperty({
      example,
      maxLength: 63,
      pattern: DNS_LABEL.source,
      description: 'DNS-1123 label: lowercase letters, digits and "-", at most 63 characters',
    }),
    IsString(),
    MaxLength(63),
    Matches(DNS_LABEL, {
      message:
        '$property must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
    }),
  );
}

/** A string map such as node labels: every key and value a string. */
export function IsStringMap(options?: ValidationOptions) {
  return function (object: object, propertyName: string) {
    registerDecorator({
      name: 'isStringMap',
      target: object.constructor,
      propertyName,
      options: { message: '$property must be an object of string values', ...options },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return (
            entries.length <= 64 &&
            entries.every(
              ([k, v]) =>
                k.length > 0 && k.length <= 253 && typeof v === 'string' && v.length <= 1024,
            )
          );
        },
      },
    });
  };
}

/**
 * A finite number with at most three decimals (CPU in cores is kept as millicores).
 * class-validator's own maxDecimalPlaces check throws on numbers it prints in exponent
 * form (5e-324), so it is done here by arithmetic.
 */
export function IsMillicoreNumber(options?: ValidationOptions) {
  return function (object: object, propertyName: string) {
    registerDecorator({
      name: 'isMillicoreNumber',
      target: object.constructor,
      propertyName,
      options: {
        message: (args: ValidationArguments) =>
          typeof args.value === 'number' && Number.isFinite(args.value)
            ? `${args.property} must be a number with at most 3 decimals`
            : `${args.property} must be a number`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'number' || !Number.isFinite(value)) return false;
          const millis = value * 1000;
          return Math.abs(millis - Math.round(millis)) < 1e-6;
        },
      },
    });
  };
}

/** An alias of `other`: when both are given they must agree, or which one counts is a guess. */
export function AgreesWith(other: string, options?: ValidationOptions) {
  return function (object: object, propertyName: string) {
    registerDecorator({
      name: 'agreesWith',
      target: object.constructor,
      propertyName,
      constraints: [other],
      options: {
        message: (args: ValidationArguments) =>
          `${args.property} (${String(args.value)}) and ${other} (${String((args.object as Record<string, unknown>)[other])}) ` +
          `are the same setting with different values: give one of them`,
        ...options,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const theirs = (args.object as Record<string, unknown>)[other];
          // a missing or ill-typed other field is its own problem, reported there
          return typeof theirs !== typeof value || theirs === value;
        },
      },
    });
  };
}

/** A command line: a string (split as a shell would) or an array of strings. */
export function IsCommandLine(options?: ValidationOptions) {
  return function (object: object, propertyName: string) {
    registerDecorator({
      name: 'isCommandLine',
      target: object.constructor,
      propertyName,
      options: { message: '$property must be a string or an array of strings', ...options },
      validator: {
        validate(value: unknown, _args: ValidationArguments) {
          if (typeof value === 'string') return value.length <= 4096;
          return (
            Array.isArray(value) &&
            value.length <= 256 &&
            value.every((v) => typeof v === 'string' && v.length <= 4096)
          );
        },
      },
    });
  };
}

/** Splits a command string the way a POSIX shell would split words and quotes. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (
        ch === '\\' &&
        quote === '"' &&
        i + 1 < line.length &&
        '"\\$`'.includes(line[i + 1])
      ) {
        current += line[++i];
      } else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      current += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export const MAX_PAGE = 5000;

/** Query strings arrive as text: numbers are converted here, then validated. */
export function toNumber(value: unknown, clampAt?: number): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  return clampAt !== undefined && n > clampAt ? clampAt : n;
}

/** The largest offset or cursor taken: beyond it a number is no longer exact in JSON. */
export const MAX_POSITION = Number.MAX_SAFE_INTEGER;

/** A whole number from 0 to MAX_POSITION, checked before it can reach PostgreSQL. */
function IsPosition() {
  return applyDecorators(
    Max(MAX_POSITION, { message: `$property must be at most ${MAX_POSITION}` }),
    Min(0, { message: '$property must be 0 or more' }),
    IsInt({ message: '$property must be a whole number' }),
  );
}

/** `limit` (default 100, larger than MAX_PAGE clamped) and `offset` of list endpoints. */
export class PageQuery {
  @ApiPropertyOptional({
    default: 100,
    minimum: 1,
    description: `at most ${MAX_PAGE}; larger values are clamped`,
  })
  @IsOptional()
  @Transform(({ value }) => toNumber(value, MAX_PAGE), { toClassOnly: true })
  @IsInt()
  @Min(1)
  limit?: number;

  @ApiPropertyOptional({ default: 0, minimum: 0, maximum: MAX_POSITION })
  @IsOptional()
  @Transform(({ value }) => toNumber(value), { toClassOnly: true })
  @IsPosition()
  offset?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_POSITION,
    description:
      'keyset cursor: only items after this id (pass the last id of the previous page; faster than offset on large lists; for events, older than this id)',
  })
  @IsOptional()
  @Transform(({ value }) => toNumber(value), { toClassOnly: true })
  @IsPosition()
  after?: number;

  @ApiPropertyOptional({
    description:
      'the API token, for clients that cannot send an Authorization header (a browser EventSource)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  access_token?: string;
}
