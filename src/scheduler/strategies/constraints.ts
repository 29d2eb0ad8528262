import { nodeLabels } from '../../domain/node-labels';
import {
  NodeSelectorRequirement,
  NodeSelectorTerm,
  NodeView,
  PodConstraints,
  Taint,
  Toleration,
  ViewTaint,
} from './types';

/** Kubernetes' refusal for a node whose labels match neither nodeSelector nor node affinity. */
export const AFFINITY_REFUSAL = "node(s) didn't match Pod's node affinity/selector";

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

function requirementHolds(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>) {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
      return has && (r.values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(r.values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const [a, b] = [Number(value), Number(r.values?.[0])];
      return r.operator === 'Gt' ? a > b : a < b;
    }
  }
}

/**
 * Terms are ORed, the requirements of a term ANDed; a term without requirements matches
 * nothing. Field requirements see the node's `metadata.name`.
 */
export function termsMatch(
  terms: readonly NodeSelectorTerm[],
  labels: Readonly<Record<string, string>>,
  nodeName?: string,
) {
  for (const term of terms) {
    const exprs = term.matchExpressions ?? [];
    const fields = term.matchFields ?? [];
    if (!exprs.length && !fields.length) continue;
    if (!exprs.every((r) => requirementHolds(r, labels))) continue;
    if (fields.length) {
      const nodeFields: Record<string, string> =
        nodeName === undefined ? {} : { 'metadata.name': nodeName };
      if (!fields.every((r) => requirementHolds(r, nodeFields))) continue;
    }
    return true;
  }
  return false;
}

/** The node a pod is pinned to by a matchFields `metadata.name In [node]` term (a DaemonSet's pods), or null. */
export function pinnedNode(constraints: PodConstraints | null | undefined): string | null {
  for (const term of constraints?.nodeAffinity ?? [])
    for (const r of term.matchFields ?? [])
      if (r.key === 'metadata.name' && r.operator === 'In' && r.values?.length === 1)
        return r.values[0];
  return null;
}

/**
 * Whether the node's labels satisfy the pod's nodeSelector and required node affinity: its
 * own and the well-known ones (`kubernetes.io/hostname: <name>`, …), as kubectl shows them.
 */
export function labelsMatch(
  constraints: PodConstraints | null | undefined,
  node: NodeView,
): boolean {
  if (!constraints) return true;
  const labels = nodeLabels(node);
  const selector = constraints.nodeSelector;
  if (selector) for (const key in selector) if (labels[key] !== selector[key]) return false;
  return !constraints.nodeAffinity || termsMatch(constraints.nodeAffinity, labels, node.name);
}

// ---- input ------------------------------------------------------------------

export interface ConstraintCause {
  field: string;
  message: string;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringMap = (v: unknown): v is Record<string, string> =>
  isObject(v) && Object.values(v).every((s) => typeof s === 'string');
/** a qualified name as Kubernetes takes one for label and taint keys */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

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
    if (typeof t.effect !== 'string' || !EFFECTS.includes(t.effect))
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

function parseTolerations(raw: unknown, field: string, causes: ConstraintCause[]): Toleration[] {
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
    if (t.effect !== undefined && t.effect !== '' && !EFFECTS.includes(t.effect as string))
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

function parseTerms(raw: unknown, field: string, causes: ConstraintCause[]): NodeSelectorTerm[] {
  if (!Array.isArray(raw) || !raw.length) {
    causes.push({ field, message: 'Required value: must have at least one node selector term' });
    return [];
  }
  return raw.map((term, i) => {
    const at = `${field}[${i}]`;
    if (!isObject(term)) {
      causes.push({ field: at, message: 'must be an object' });
      return {};
    }
    const matchFields: NodeSelectorRequirement[] = [];
    if (term.matchFields !== undefined) {
      if (!Array.isArray(term.matchFields))
        causes.push({ field: `${at}.matchFields`, message: 'must be an array' });
      else
        term.matchFields.forEach((e: unknown, j: number) => {
          const fat = `${at}.matchFields[${j}]`;
          if (!isObject(e)) return causes.push({ field: fat, message: 'must be an object' });
          if (e.key !== 'metadata.name')
            return causes.push({
              field: `${fat}.key`,
              message: `Unsupported value: "${String(e.key)}": supported values: "metadata.name"`,
            });
          if (e.operator !== 'In' && e.operator !== 'NotIn')
            return causes.push({
              field: `${fat}.operator`,
              message: `Unsupported value: "${String(e.operator)}": supported values: "In", "NotIn"`,
            });
          const values = e.values;
          if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string')
            return causes.push({
              field: `${fat}.values`,
              message:
                "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
            });
          matchFields.push({ key: 'metadata.name', operator: e.operator, values: [values[0]] });
        });
    }
    const exprs = Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
    if (term.matchExpressions !== undefined && !Array.isArray(term.matchExpressions))
      causes.push({ field: `${at}.matchExpressions`, message: 'must be an array' });
    const matchExpressions: NodeSelectorRequirement[] = [];
    exprs.forEach((e: unknown, j: number) => {
      const eat = `${at}.matchExpressions[${j}]`;
      if (!isObject(e)) return causes.push({ field: eat, message: 'must be an object' });
      if (typeof e.key !== 'string' || !LABEL_KEY.test(e.key))
        return causes.push({
          field: `${eat}.key`,
          message: `Invalid value: "${String(e.key)}": must be a qualified name`,
        });
      if (typeof e.operator !== 'string' || !OPERATORS.includes(e.operator))
        return causes.push({
          field: `${eat}.operator`,
          message: `Unsupported value: "${String(e.operator)}": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`,
        });
      const values = e.values ?? [];
      if (!Array.isArray(values) || values.some((v) => typeof v !== 'string'))
        return causes.push({ field: `${eat}.values`, message: 'must be an array of strings' });
      const op = e.operator as SelectorOperatorName;
      if ((op === 'In' || op === 'NotIn') && !values.length)
        return causes.push({
          field: `${eat}.values`,
          message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
        });
      if ((op === 'Exists' || op === 'DoesNotExist') && values.length)
        return causes.push({
          field: `${eat}.values`,
          message: "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        });
      if (
        (op === 'Gt' || op === 'Lt') &&
        (values.length !== 1 || !/^-?\d+$/.test(values[0] as string))
      )
        return causes.push({
          field: `${eat}.values`,
          message:
            "Required value: must be specified single integer value when `operator` is 'Lt' or 'Gt'",
        });
      matchExpressions.push({
        key: e.key,
        operator: op,
        ...(values.length ? { values: values as string[] } : {}),
      });
    });
    // as Kubernetes serves a term that names fields only (a DaemonSet's pin): no empty expressions
    if (matchFields.length)
      return matchExpressions.length ? { matchExpressions, matchFields } : { matchFields };
    return { matchExpressions };
  });
}
type SelectorOperatorName = NodeSelectorRequirement['operator'];

/**
 * A pod's placement constraints from the pieces of a manifest (Kubernetes' field names and
 * shapes): null when there are none, so such a pod takes the scheduler's plain path.
 * Only required node affinity is taken; other affinities are refused, never ignored.
 */
export function parseConstraints(
  raw: { nodeSelector?: unknown; tolerations?: unknown; affinity?: unknown },
  prefix: string,
  causes: ConstraintCause[],
): PodConstraints | null {
  const out: PodConstraints = {};
  if (raw.nodeSelector !== undefined && raw.nodeSelector !== null) {
    if (!isStringMap(raw.nodeSelector))
      causes.push({ field: `${prefix}nodeSelector`, message: 'must be a map of strings' });
    else if (Object.keys(raw.nodeSelector).length) out.nodeSelector = { ...raw.nodeSelector };
  }
  if (raw.tolerations !== undefined && raw.tolerations !== null) {
    const tolerations = parseTolerations(raw.tolerations, `${prefix}tolerations`, causes);
    if (tolerations.length) out.tolerations = tolerations;
  }
  const affinity = raw.affinity;
  if (affinity !== undefined && affinity !== null) {
    if (!isObject(affinity)) {
      causes.push({ field: `${prefix}affinity`, message: 'must be an object' });
    } else {
      for (const key of Object.keys(affinity))
        if (key !== 'nodeAffinity')
          causes.push({
            field: `${prefix}affinity.${key}`,
            message: 'Unsupported value: kubesim supports only nodeAffinity',
          });
      const na = affinity.nodeAffinity;
      if (na !== undefined && na !== null) {
        if (!isObject(na))
          causes.push({ field: `${prefix}affinity.nodeAffinity`, message: 'must be an object' });
        else {
          for (const key of Object.keys(na))
            if (key !== 'requiredDuringSchedulingIgnoredDuringExecution')
              causes.push({
                field: `${prefix}affinity.nodeAffinity.${key}`,
                message:
                  'Unsupported value: kubesim supports only requiredDuringSchedulingIgnoredDuringExecution',
              });
          const req = na.requiredDuringSchedulingIgnoredDuringExecution;
          if (req !== undefined && req !== null) {
            const at = `${prefix}affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`;
            if (!isObject(req)) causes.push({ field: at, message: 'must be an object' });
            else
              out.nodeAffinity = parseTerms(
                req.nodeSelectorTerms,
                `${at}.nodeSelectorTerms`,
                causes,
              );
          }
        }
      }
    }
  }
  return Object.keys(out).length ? out : null;
}

/** The constraints back in a manifest's shape (for the served v1.Pod). */
export function constraintsToManifest(c: PodConstraints | null | undefined): {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: NodeSelectorTerm[] };
    };
  };
} {
  if (!c) return {};
  return {
    ...(c.nodeSelector ? { nodeSelector: c.nodeSelector } : {}),
    ...(c.tolerations ? { tolerations: c.tolerations } : {}),
    ...(c.nodeAffinity
      ? {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: c.nodeAffinity },
            },
          },
        }
      : {}),
  };
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
