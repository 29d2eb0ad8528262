/**
 * The HorizontalPodAutoscaler's decision for one CPU-utilisation target, as Kubernetes'
 * `pkg/controller/podautoscaler` makes it: utilisation is the pods' summed use over their
 * summed requests; desired = ceil(pods × utilisation / target) unless the ratio is within
 * the tolerance; pods without a sample count as idle when scaling up and as at target when
 * scaling down (so missing data never makes the move bigger); a scale-down takes the highest
 * recommendation of its stabilisation window; min and max bound it. Pure: the loop feeds it.
 */

/** Kubernetes' default `--horizontal-pod-autoscaler-tolerance` */
export const HPA_TOLERANCE = 0.1;
/** the default scaleDown.stabilizationWindowSeconds */
export const DEFAULT_SCALE_DOWN_WINDOW_S = 300;

/** v2's default target when a spec names no metric: 80% CPU */
const DEFAULT_UTILIZATION = 80;

/** The CPU utilisation a stored autoscaling/v2 spec targets, percent. */
export function targetUtilizationOf(spec: Record<string, any>): number {
  return spec.metrics?.[0]?.resource?.target?.averageUtilization ?? DEFAULT_UTILIZATION;
}

/** What the decision needs of a stored autoscaling/v2 spec, Kubernetes' defaults filled. */
export function hpaTargetOf(spec: Record<string, any>): HpaTarget {
  const window = (side: 'scaleUp' | 'scaleDown', fallbackS: number) => {
    const s = spec.behavior?.[side]?.stabilizationWindowSeconds;
    return (Number.isInteger(s) ? s : fallbackS) * 1000;
  };
  return {
    minReplicas: spec.minReplicas ?? 1,
    maxReplicas: spec.maxReplicas,
    targetUtilization: targetUtilizationOf(spec),
    scaleDownWindowMs: window('scaleDown', DEFAULT_SCALE_DOWN_WINDOW_S),
    scaleUpWindowMs: window('scaleUp', 0),
  };
}

export interface HpaTarget {
  minReplicas: number;
  maxReplicas: number;
  /** averageUtilization: percent of the pods' CPU request */
  targetUtilization: number;
  scaleDownWindowMs: number;
  /** scaleUp.stabilizationWindowSeconds, 0 by default */
  scaleUpWindowMs: number;
}

/** A running pod of the target: its CPU request and, when its node reported one lately, its use. */
export interface HpaPod {
  requestCores: number;
  usageCores: number | null;
}

export interface Recommendation {
  atMs: number;
  replicas: number;
}

export interface HpaDecision {
  desiredReplicas: number;
  /** the pods' utilisation (percent, rounded down as Kubernetes reports it); null without samples */
  currentUtilization: number | null;
  /** the recommendations still inside the longest window, this one included */
  recommendations: Recommendation[];
  /** why, for the conditions and events */
  reason:
    | 'ScalingDisabled'
    | 'NoMetrics'
    | 'WithinTolerance'
    | 'Scaled'
    | 'ScaleDownStabilized'
    | 'ScaleUpStabilized'
    | 'TooFewReplicas'
    | 'TooManyReplicas';
  /** min or max was reached (ScalingLimited) */
  limited: boolean;
}

/** Replicas the metric asks for, before windows and bounds (Kubernetes' calcPlainMetricReplicas). */
export function metricReplicas(
  currentReplicas: number,
  pods: readonly HpaPod[],
  targetUtilization: number,
  tolerance = HPA_TOLERANCE,
): { replicas: number; utilization: number | null } {
  const measured = pods.filter((p) => p.usageCores !== null && p.requestCores > 0);
  if (measured.length === 0) return { replicas: currentReplicas, utilization: null };
  const missing = pods.filter((p) => p.usageCores === null && p.requestCores > 0);
  // in millicores and whole percent, as Kubernetes computes it (GetResourceUtilizationRatio)
  const milli = (cores: number) => Math.round(cores * 1000);
  const use = measured.reduce((s, p) => s + milli(p.usageCores!), 0);
  const requested = measured.reduce((s, p) => s + milli(p.requestCores), 0);
  const shown = Math.floor((use * 100) / requested);
  const ratio = shown / targetUtilization;
  if (missing.length === 0) {
    if (Math.abs(ratio - 1) <= tolerance) return { replicas: currentReplicas, utilization: shown };
    return { replicas: Math.ceil(ratio * measured.length), utilization: shown };
  }
  // the missing pods: idle on the way up, at target on the way down
  const fill = ratio > 1 ? 0 : targetUtilization / 100;
  const allUse = use + missing.reduce((s, p) => s + fill * milli(p.requestCores), 0);
  const allRequested = requested + missing.reduce((s, p) => s + milli(p.requestCores), 0);
  const newRatio = Math.floor((allUse * 100) / allRequested) / targetUtilization;
  // the fill must not turn the direction round, nor leave the tolerance
  if (Math.abs(newRatio - 1) <= tolerance || ratio > 1 !== newRatio > 1)
    return { replicas: currentReplicas, utilization: shown };
  const replicas = Math.ceil(newRatio * (measured.length + missing.length));
  // never fewer on the way up, nor more on the way down, than now
  if ((ratio > 1 && replicas < currentReplicas) || (ratio < 1 && replicas > currentReplicas))
    return { replicas: currentReplicas, utilization: shown };
  return { replicas, utilization: shown };
}

export function decideReplicas(
  target: HpaTarget,
  currentReplicas: number,
  pods: readonly HpaPod[],
  history: readonly Recommendation[],
  nowMs: number,
): HpaDecision {
  const keepMs = Math.max(target.scaleDownWindowMs, target.scaleUpWindowMs);
  const recent = history.filter((r) => nowMs - r.atMs <= keepMs);
  const done = (
    desiredReplicas: number,
    currentUtilization: number | null,
    reason: HpaDecision['reason'],
    recommendations = recent,
    limited = false,
  ): HpaDecision => ({ desiredReplicas, currentUtilization, recommendations, reason, limited });

  // a target scaled to zero by hand is left alone, as in Kubernetes
  if (currentReplicas === 0 && target.minReplicas > 0) return done(0, null, 'ScalingDisabled');
  if (currentReplicas > target.maxReplicas)
    return done(target.maxReplicas, null, 'TooManyReplicas', recent, true);
  if (currentReplicas < target.minReplicas)
    return done(target.minReplicas, null, 'TooFewReplicas', recent, true);

  const metric = metricReplicas(currentReplicas, pods, target.targetUtilization);
  if (metric.utilization === null) return done(currentReplicas, null, 'NoMetrics');
  const recommendations = [...recent, { atMs: nowMs, replicas: metric.replicas }];

  // stabilisation: down no lower than the highest recommendation of the window, up no higher
  // than the lowest of its own
  let desired = metric.replicas;
  let reason: HpaDecision['reason'] =
    metric.replicas === currentReplicas ? 'WithinTolerance' : 'Scaled';
  const within = (windowMs: number) =>
    recommendations.filter((r) => nowMs - r.atMs <= windowMs).map((r) => r.replicas);
  if (desired < currentReplicas) {
    const floor = Math.max(...within(target.scaleDownWindowMs));
    if (floor > desired) {
      desired = Math.min(currentReplicas, floor);
      reason = 'ScaleDownStabilized';
    }
  } else if (desired > currentReplicas && target.scaleUpWindowMs > 0) {
    const ceiling = Math.min(...within(target.scaleUpWindowMs));
    if (ceiling < desired) {
      desired = Math.max(currentReplicas, ceiling);
      reason = 'ScaleUpStabilized';
    }
  }
  let limited = false;
  if (desired > target.maxReplicas) {
    desired = target.maxReplicas;
    limited = true;
  } else if (desired < target.minReplicas) {
    desired = target.minReplicas;
    limited = true;
  }
  return done(desired, metric.utilization, reason, recommendations, limited);
}
