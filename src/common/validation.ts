import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsString,
  IsOptional,
  Matches,
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
      options: { message: '$property must be a number with at most 3 decimals', ...options },
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

  @ApiPropertyOptional({ default: 0, minimum: 0 })
  @IsOptional()
  @Transform(({ value }) => toNumber(value), { toClassOnly: true })
  @IsInt()
  @Min(0)
  offset?: number;

  @ApiPropertyOptional({
    minimum: 0,
    description:
      'keyset cursor: only items after this id (pass the last id of the previous page; faster than offset on large lists; for events, older than this id)',
  })
  @IsOptional()
  @Transform(({ value }) => toNumber(value), { toClassOnly: true })
  @IsInt()
  @Min(0)
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
