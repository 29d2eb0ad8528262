import { JOB_CONTROLLER_UID, JOB_NAME } from '../workloads/core/job';
import type { Cause } from './pod-manifest';

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A Job's defaults, as kube-apiserver fills them in (NonIndexed; one pod when neither count is given). */
export function jobDefaults(spec: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...spec };
  if (spec.completions === undefined && spec.parallelism === undefined) out.completions = 1;
  out.parallelism = spec.parallelism ?? 1;
  out.backoffLimit = spec.backoffLimit ?? 6;
  out.completionMode = spec.completionMode ?? 'NonIndexed';
  out.suspend = spec.suspend ?? false;
  return out;
}

const nonNegative = (spec: Record<string, any>, key: string, causes: Cause[]) => {
  if (
    spec[key] !== undefined &&
    spec[key] !== null &&
    (!Number.isInteger(spec[key]) || spec[key] < 0)
  )
    causes.push({ field: `spec.${key}`, message: 'must be greater than or equal to 0' });
};

/** What kube-apiserver refuses of a Job beyond what every workload's template must be. */
export function validateJob(spec: Record<string, any>): Cause[] {
  const causes: Cause[] = [];
  for (const key of ['completions', 'parallelism', 'backoffLimit']) nonNegative(spec, key, causes);
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && (!Number.isInteger(deadline) || deadline <= 0))
    causes.push({ field: 'spec.activeDeadlineSeconds', message: 'must be greater than 0' });
  if (spec.completionMode !== 'NonIndexed')
    causes.push({
      field: 'spec.completionMode',
      message: `Unsupported value: "${spec.completionMode}": kubesim supports "NonIndexed" only`,
    });
  for (const key of ['podFailurePolicy', 'successPolicy', 'ttlSecondsAfterFinished'])
    if (spec[key] !== undefined && spec[key] !== null)
      causes.push({
        field: `spec.${key}`,
        message: 'Unsupported value: kubesim does not support this field yet',
      });
  if (typeof spec.suspend !== 'boolean')
    causes.push({ field: 'spec.suspend', message: 'must be a boolean' });
  const policy = spec.template?.spec?.restartPolicy ?? 'Always';
  if (policy !== 'OnFailure' && policy !== 'Never')
    causes.push({
      field: 'spec.template.spec.restartPolicy',
      message: `Unsupported value: "${policy}": supported values: "OnFailure", "Never"`,
    });
  return causes;
}

/**
 * A Job's selector and its template's labels, as kube-apiserver sets them (unless
 * manualSelector): the selector picks the Job's own uid, so no other pod ever matches it.
 */
export function jobSelector(
  spec: Record<string, any>,
  name: string,
  uid: string,
): Record<string, any> {
  if (spec.manualSelector === true) return spec;
  const template = isObject(spec.template) ? spec.template : {};
  const metadata = isObject(template.metadata) ? template.metadata : {};
  return {
    ...spec,
    selector: { matchLabels: { [JOB_CONTROLLER_UID]: uid } },
    template: {
      ...template,
      metadata: {
        ...metadata,
        labels: {
          ...(isObject(metadata.labels) ? metadata.labels : {}),
          [JOB_CONTROLLER_UID]: uid,
          [JOB_NAME]: name,
          'controller-uid': uid,
          'job-name': name,
        },
      },
    },
  };
}
