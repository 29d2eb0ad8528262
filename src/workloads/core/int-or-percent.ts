import { IntOrString } from './types';

export class IntOrPercentError extends Error {}

/**
 * Kubernetes' GetScaledValueFromIntOrPercent: a number as it is, `"25%"` of total
 * rounded up or down.
 */
export function scaledValue(
  value: IntOrString | undefined,
  total: number,
  roundUp: boolean,
): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0)
      throw new IntOrPercentError(`invalid value ${value}`);
    return value;
  }
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new IntOrPercentError(
      `invalid value for IntOrString: invalid type: string is not a percentage`,
    );
  }
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Kubernetes' ResolveFenceposts: maxSurge rounds up, maxUnavailable down, and both
 * zero would stall a rollout, so maxUnavailable becomes 1.
 */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/**
 * A DaemonSet's maxUnavailable over the nodes that should run its pod (Kubernetes'
 * UnavailableCount: a percentage rounds up); 1 when both it and maxSurge come to 0 and some
 * node should run one, so a rollout never stalls.
 */
export function resolveDaemonSetUnavailable(
  maxUnavailable: IntOrString | undefined,
  maxSurge: IntOrString | undefined,
  desired: number,
): number {
  const unavailable = scaledValue(maxUnavailable ?? 1, desired, true);
  const surge = scaledValue(maxSurge ?? 0, desired, true);
  return desired > 0 && unavailable === 0 && surge === 0 ? 1 : unavailable;
}
