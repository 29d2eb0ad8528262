import type { WorkloadRow } from '../database/workloads.repository';
import { TEMPLATE_GENERATION_ANNOTATION } from '../workloads/core/daemon-set';
import { IntOrPercentError, scaledValue } from '../workloads/core/int-or-percent';
import { stableStringify } from '../workloads/core/template-hash';
import type { Cause } from './pod-manifest';

/** A DaemonSet's defaults, as kube-apiserver fills them in (RollingUpdate, one node at a time). */
export function daemonSetDefaults(spec: Record<string, any>): Record<string, any> {
  const type = spec.updateStrategy?.type ?? 'RollingUpdate';
  return {
    ...spec,
    minReadySeconds: spec.minReadySeconds ?? 0,
    revisionHistoryLimit: spec.revisionHistoryLimit ?? 10,
    updateStrategy:
      type === 'RollingUpdate'
        ? {
            type,
            rollingUpdate: {
              maxUnavailable: spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1,
              maxSurge: spec.updateStrategy?.rollingUpdate?.maxSurge ?? 0,
            },
          }
        : { type },
  };
}

/** What kube-apiserver refuses of a DaemonSet beyond what every workload's template must be. */
export function validateDaemonSet(spec: Record<string, any>): Cause[] {
  const causes: Cause[] = [];
  for (const key of ['minReadySeconds', 'revisionHistoryLimit'])
    if (!Number.isInteger(spec[key]) || spec[key] < 0)
      causes.push({ field: `spec.${key}`, message: 'must be greater than or equal to 0' });
  const policy = spec.template?.spec?.restartPolicy ?? 'Always';
  if (policy !== 'Always')
    causes.push({
      field: 'spec.template.spec.restartPolicy',
      message: `Unsupported value: "${policy}": supported values: "Always"`,
    });
  const strategy = spec.updateStrategy ?? {};
  if (strategy.type !== 'RollingUpdate' && strategy.type !== 'OnDelete')
    causes.push({
      field: 'spec.updateStrategy.type',
      message: `Unsupported value: "${strategy.type}": supported values: "OnDelete", "RollingUpdate"`,
    });
  if (strategy.type === 'RollingUpdate') {
    const r = strategy.rollingUpdate ?? {};
    const at = 'spec.updateStrategy.rollingUpdate';
    let unavailable: number | null = null;
    try {
      unavailable = scaledValue(r.maxUnavailable, 100, true);
      if (typeof r.maxUnavailable === 'string' && unavailable > 100)
        causes.push({ field: `${at}.maxUnavailable`, message: 'must not be greater than 100%' });
    } catch (e) {
      if (!(e instanceof IntOrPercentError)) throw e;
      causes.push({
        field: `${at}.maxUnavailable`,
        message: `Invalid value: ${JSON.stringify(r.maxUnavailable)}: a number or a percentage`,
      });
    }
    let surge: number | null = null;
    try {
      surge = scaledValue(r.maxSurge, 100, true);
    } catch (e) {
      if (!(e instanceof IntOrPercentError)) throw e;
    }
    if (surge !== 0)
      causes.push({
        field: `${at}.maxSurge`,
        message: `Unsupported value: ${JSON.stringify(r.maxSurge)}: kubesim supports maxSurge 0 only`,
      });
    else if (unavailable === 0)
      causes.push({
        field: `${at}.maxUnavailable`,
        message: 'Invalid value: 0: cannot be 0 when maxSurge is 0',
      });
  }
  return causes;
}

/**
 * The template generation kube-apiserver keeps on a DaemonSet: 1 when it is made, one more
 * with each change of its template (the pods' pod-template-generation label).
 */
export function templateGenerationOf(spec: Record<string, any>, existing?: WorkloadRow): string {
  if (!existing) return '1';
  const was = Number(
    existing.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? existing.generation ?? 1,
  );
  return String(
    stableStringify(existing.spec.template) === stableStringify(spec.template) ? was : was + 1,
  );
}
