import POD_FIELDS from './generated/pod-fields.json';
import { KubeError } from './kube-status';

type Schema = Record<string, Record<string, string>>;
const SCHEMA = POD_FIELDS as Schema;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Paths of the fields of `value` its type does not have, as kube-apiserver names them. */
export function unknownFields(value: unknown, type: string, path = ''): string[] {
  if (type.startsWith('[]')) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, i) => unknownFields(item, type.slice(2), `${path}[${i}]`));
  }
  if (type.startsWith('{}')) {
    if (!isObject(value)) return [];
    return Object.entries(value).flatMap(([k, v]) =>
      unknownFields(v, type.slice(2), `${path}.${k}`),
    );
  }
  const fields = SCHEMA[type];
  if (!fields || !isObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const at = path ? `${path}.${k}` : k;
    return k in fields ? unknownFields(v, fields[k], at) : [at];
  });
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export function fieldValidation(value: string | undefined): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
  throw new KubeError(
    400,
    `fieldValidation: Unsupported value: "${value}": supported values: "Ignore", "Warn", "Strict"`,
  );
}

/**
 * Unknown fields of a manifest under `fieldValidation` (a v1.Pod unless another type is
 * named): Strict refuses them as kube-apiserver does; Warn returns them for the response's
 * Warning headers.
 */
export function checkPodFields(
  body: unknown,
  mode: FieldValidation,
  type = 'V1Pod',
  kind = 'Pod',
): string[] {
  if (mode === 'Ignore') return [];
  const unknown = unknownFields(body, type);
  if (unknown.length && mode === 'Strict') {
    throw new KubeError(
      400,
      `${kind} in version "v1" cannot be handled as a ${kind}: strict decoding error: ${unknown
        .map((f) => `unknown field "${f}"`)
        .join(', ')}`,
    );
  }
  return unknown;
}
