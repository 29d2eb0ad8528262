import { ConstraintCause, isObject, isStringMap } from './constraint-input';
import { parseNodeSelectorTerms } from './node-affinity';
import { parseTolerations } from './taints';
import { NodeSelectorTerm, PodConstraints, Toleration } from './types';

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
              out.nodeAffinity = parseNodeSelectorTerms(
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
