import {
  ConstraintCause,
  LABEL_KEY,
  LABEL_VALUE,
  TAINT_EFFECTS,
  isObject,
} from './constraint-input';
import { NodeView, PodConstraints, Taint, Toleration, ViewTaint } from './types';

/** kube-scheduler's words for a taint no toleration of the pod covers. */
export const taintRefusal = (t: Taint) =>
  `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;

/** A node's taints as the scheduler holds them, worded once when the node is read. */
export function viewTaints(taints: readonly Taint[] | null | undefined): {
  taints: ViewTaint[];
  hardTaints: number;
} {
  const view = (taints ?? []).map((t) => ({ ...t, refusal: taintRefusal(t) }));
  return { taints: view, hardTaints: view.filter((t) => t.effect !== 'PreferNoSchedule').length };
}

/** Kubernetes' ToleratesTaint: an empty key with Exists tolerates every taint. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === 'Exists';
  if (t.key !== taint.key) return false;
  return t.operator === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** The toleration that lets the pod stay with a taint, if any (for tolerationSeconds). */
export function tolerationOf(
  tolerations: readonly Toleration[] | undefined,
  taint: Taint,
): Toleration | undefined {
  if (!tolerations) return undefined;
  for (const t of tolerations) if (tolerates(t, taint)) return t;
  return undefined;
}

/** The taint a cordoned node carries in Kubernetes (spec.unschedulable). */
export const UNSCHEDULABLE_TAINT: Taint = {
  key: 'node.kubernetes.io/unschedulable',
  effect: 'NoSchedule',
};

/**
 * Whether the pod may still go to a cordoned node: kube-scheduler's NodeUnschedulable
 * plugin lets a pod through that tolerates the unschedulable taint (a DaemonSet's pods do).
 */
export function toleratesCordon(constraints: PodConstraints | null | undefined): boolean {
  return !!constraints?.tolerations && !!tolerationOf(constraints.tolerations, UNSCHEDULABLE_TAINT);
}

/**
 * The first NoSchedule or NoExecute taint of the node the pod does not tolerate, or null.
 * PreferNoSchedule is ignored: kubesim's strategies score by room alone.
 */
export function untoleratedTaint(
  constraints: PodConstraints | null | undefined,
  node: NodeView,
): ViewTaint | null {
  if (!node.hardTaints || !node.taints) return null;
  const tolerations = constraints?.tolerations;
  for (const taint of node.taints) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerationOf(tolerations, taint)) return taint;
  }
  return null;
}

/**
 * When a pod on a node with NoExecute taints must leave it (epoch ms), or null when it may
 * stay: at once for a taint it does not tolerate, after tolerationSeconds (counted from the
 * later of the taint's addition and the pod's binding) for a toleration that bounds it.
 */
export function noExecuteDeadline(
  constraints: PodConstraints | null | undefined,
  taints: readonly Taint[],
  boundAt: number,
): { at: number; taint: Taint } | null {
  let soonest: { at: number; taint: Taint } | null = null;
  for (const taint of taints) {
    if (taint.effect !== 'NoExecute') continue;
    const t = tolerationOf(constraints?.tolerations, taint);
    if (t && t.tolerationSeconds === undefined) continue;
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : boundAt;
    const at = t ? Math.max(added, boundAt) + Math.max(0, t.tolerationSeconds!) * 1000 : -Infinity;
    if (!soonest || at < soonest.at) soonest = { at, taint };
  }
  return soonest;
}

// ---- input ------------------------------------------------------------------

/** Taints as a request gives them (kubectl's spec.taints or kubesim's REST body); causes for what is wrong. */
export function parseTaints(raw: unknown, field: string, causes: ConstraintCause[]): Taint[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    causes.push({ field, message: 'must be an array of taints' });
    return [];
  }
  const out: Taint[] = [];
  raw.forEach((t, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(t)) return causes.push({ field: at, message: 'must be an object' });
    if (typeof t.key !== 'string' || !LABEL_KEY.test(t.key))
      return causes.push({
        field: `${at}.key`,
        message: `Invalid value: "${String(t.key)}": must be a qualified name`,
      });
    if (t.value !== undefined && (typeof t.value !== 'string' || !LABEL_VALUE.test(t.value)))
      return causes.push({
        field: `${at}.value`,
        message: `Invalid value: "${String(t.value)}": must be a label value`,
      });
    if (typeof t.effect !== 'string' || !TAINT_EFFECTS.includes(t.effect))
      return causes.push({
        field: `${at}.effect`,
        message: `Unsupported value: "${String(t.effect)}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
      });
    if (out.some((o) => o.key === t.key && o.effect === t.effect))
      return causes.push({ field: at, message: `Duplicate value: "${t.key}:${t.effect}"` });
    out.push({
      key: t.key,
      ...(t.value ? { value: t.value as string } : {}),
      effect: t.effect as Taint['effect'],
      ...(typeof t.timeAdded === 'string' ? { timeAdded: t.timeAdded } : {}),
    });
  });
  return out;
}

/** Tolerations as a manifest gives them; causes for what is wrong. */
export function parseTolerations(
  raw: unknown,
  field: string,
  causes: ConstraintCause[],
): Toleration[] {
  if (!Array.isArray(raw)) {
    causes.push({ field, message: 'must be an array of tolerations' });
    return [];
  }
  const out: Toleration[] = [];
  raw.forEach((t, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(t)) return causes.push({ field: at, message: 'must be an object' });
    const operator = t.operator ?? 'Equal';
    if (operator !== 'Equal' && operator !== 'Exists')
      return causes.push({
        field: `${at}.operator`,
        message: `Unsupported value: "${String(operator)}": supported values: "Equal", "Exists"`,
      });
    if (
      t.key !== undefined &&
      t.key !== '' &&
      (typeof t.key !== 'string' || !LABEL_KEY.test(t.key))
    )
      return causes.push({
        field: `${at}.key`,
        message: `Invalid value: "${String(t.key)}": must be a qualified name`,
      });
    if (!t.key && operator !== 'Exists')
      return causes.push({
        field: `${at}.operator`,
        message: 'Invalid value: "Equal": operator must be Exists when `key` is empty',
      });
    if (operator === 'Exists' && t.value)
      return causes.push({
        field: `${at}.operator`,
        message: 'Invalid value: "Exists": value must be empty when `operator` is \'Exists\'',
      });
    if (t.value !== undefined && typeof t.value !== 'string')
      return causes.push({ field: `${at}.value`, message: 'must be a string' });
    if (t.effect !== undefined && t.effect !== '' && !TAINT_EFFECTS.includes(t.effect as string))
      return causes.push({
        field: `${at}.effect`,
        message: `Unsupported value: "${String(t.effect)}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
      });
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null) {
      if (!Number.isInteger(t.tolerationSeconds))
        return causes.push({ field: `${at}.tolerationSeconds`, message: 'must be an integer' });
      if (t.effect !== 'NoExecute')
        return causes.push({
          field: `${at}.effect`,
          message: `Invalid value: "${String(t.effect ?? '')}": effect must be 'NoExecute' when \`tolerationSeconds\` is set`,
        });
    }
    out.push({
      ...(t.key ? { key: t.key as string } : {}),
      operator,
      ...(t.value ? { value: t.value as string } : {}),
      ...(t.effect ? { effect: t.effect as Toleration['effect'] } : {}),
      ...(typeof t.tolerationSeconds === 'number'
        ? { tolerationSeconds: t.tolerationSeconds }
        : {}),
    });
  });
  return out;
}
