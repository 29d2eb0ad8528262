import { nodeLabels } from '../../domain/node-labels';
import { ConstraintCause, LABEL_KEY, isObject } from './constraint-input';
import { NodeSelectorRequirement, NodeSelectorTerm, NodeView, PodConstraints } from './types';

/** Kubernetes' refusal for a node whose labels match neither nodeSelector nor node affinity. */
export const AFFINITY_REFUSAL = "node(s) didn't match Pod's node affinity/selector";

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

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

/** A required node affinity's nodeSelectorTerms as a manifest gives them; causes for what is wrong. */
export function parseNodeSelectorTerms(
  raw: unknown,
  field: string,
  causes: ConstraintCause[],
): NodeSelectorTerm[] {
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
