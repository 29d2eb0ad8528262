/**
 * Kubernetes resource quantities (`500m`, `2`, `64Mi`, `1G`) to and from kubesim's units:
 * CPU in integer millicores, memory in MiB (kubesim's "MB" is a mebibyte).
 */

const QUANTITY =
  /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei))?$/;

const MULTIPLIER: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export class QuantityError extends Error {}

/** The value of a quantity in base units (cores, bytes); a number is taken as it is. */
export function parseQuantity(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const text = typeof value === 'string' ? value.trim() : '';
  const match = QUANTITY.exec(text);
  if (!match) {
    throw new QuantityError(
      `${field}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
  }
  const [, digits, exponent, suffix] = match;
  const result =
    Number(digits) * (exponent ? 10 ** Number(exponent.slice(1)) : MULTIPLIER[suffix ?? '']);
  if (!Number.isFinite(result) || result < 0)
    throw new QuantityError(`${field}: must be greater than or equal to 0`);
  return result;
}

/** A CPU quantity in millicores, rounded up as Kubernetes does (`0.0001` is `1m`). */
export function cpuMillis(value: unknown, field: string): number {
  return Math.max(0, Math.ceil(parseQuantity(value, field) * 1000 - 1e-9));
}

/** A memory quantity in MiB, rounded up (kubesim schedules whole MiB). */
export function memoryMi(value: unknown, field: string): number {
  return Math.max(0, Math.ceil(parseQuantity(value, field) / 2 ** 20 - 1e-9));
}

/** Millicores as Kubernetes writes them: `2` for whole cores, else `500m`. */
export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** MiB as Kubernetes writes them: `8Gi` when whole gibibytes, else `64Mi`. */
export function formatMemory(mi: number): string {
  return mi !== 0 && mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}
