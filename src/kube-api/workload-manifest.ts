import { randomUUID } from 'node:crypto';
import { DNS_LABEL } from '../common/validation';
import type { WorkloadRow } from '../database/workloads.repository';
import { TEMPLATE_GENERATION_ANNOTATION } from '../workloads/core/daemon-set';
import { IntOrPercentError, scaledValue } from '../workloads/core/int-or-percent';
import { isEmptySelector, matchesSelector } from '../workloads/core/label-selector';
import { apiVersionOf, APPS_KINDS, AppsResource } from './apps-object';
import { daemonSetDefaults, templateGenerationOf, validateDaemonSet } from './daemon-set-manifest';
import { jobDefaults, jobSelector, validateJob } from './job-manifest';
import { KubeError } from './kube-status';
import { Cause, podManifestToCreate } from './pod-manifest';

/**
 * A Deployment, ReplicaSet, DaemonSet or Job manifest read as kube-apiserver reads it:
 * defaults filled, validated, ready to be stored.
 */

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Kubernetes' defaults for the fields a manifest may leave out. */
function withDefaults(resource: AppsResource, spec: Record<string, any>): Record<string, any> {
  if (resource === 'jobs') return jobDefaults(spec);
  if (resource === 'daemonsets') return daemonSetDefaults(spec);
  const out: Record<string, any> = {
    ...spec,
    replicas: spec.replicas ?? 1,
    minReadySeconds: spec.minReadySeconds ?? 0,
  };
  if (resource === 'deployments') {
    out.revisionHistoryLimit = spec.revisionHistoryLimit ?? 10;
    out.progressDeadlineSeconds = spec.progressDeadlineSeconds ?? 600;
    const type = spec.strategy?.type ?? 'RollingUpdate';
    out.strategy =
      type === 'RollingUpdate'
        ? {
            type,
            rollingUpdate: {
              maxSurge: spec.strategy?.rollingUpdate?.maxSurge ?? '25%',
              maxUnavailable: spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%',
            },
          }
        : { type };
  }
  return out;
}

/** What kube-apiserver's validation refuses of these kinds (the part kubesim can tell). */
function validate(resource: AppsResource, name: string, spec: Record<string, any>): Cause[] {
  const causes: Cause[] = [];
  if (resource === 'jobs') {
    causes.push(...validateJob(spec));
  } else if (resource === 'daemonsets') {
    causes.push(...validateDaemonSet(spec));
  } else if (!Number.isInteger(spec.replicas) || spec.replicas < 0)
    causes.push({ field: 'spec.replicas', message: 'must be greater than or equal to 0' });
  if (resource !== 'jobs' && resource !== 'daemonsets' && spec.replicas > 10000)
    causes.push({ field: 'spec.replicas', message: 'must be at most 10000 in kubesim' });
  if (!isObject(spec.selector) || isEmptySelector(spec.selector))
    causes.push({ field: 'spec.selector', message: 'Required value' });
  const template = spec.template;
  if (!isObject(template)) {
    causes.push({ field: 'spec.template', message: 'Required value' });
    return causes;
  }
  const labels = isObject(template.metadata?.labels) ? template.metadata.labels : {};
  if (
    isObject(spec.selector) &&
    !isEmptySelector(spec.selector) &&
    !matchesSelector(spec.selector, labels)
  )
    causes.push({
      field: 'spec.template.metadata.labels',
      message: '`selector` does not match template `labels`',
    });
  try {
    podManifestToCreate(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'template', labels, annotations: template.metadata?.annotations },
        spec: template.spec,
      },
      'default',
    );
  } catch (err) {
    const details = (err as KubeError).details;
    if (details?.causes?.length)
      for (const c of details.causes)
        causes.push({ field: `spec.template.${c.field}`, message: c.message ?? '' });
    else causes.push({ field: 'spec.template', message: (err as Error).message });
  }
  if (resource === 'deployments') {
    const strategy = spec.strategy ?? {};
    if (strategy.type !== 'RollingUpdate' && strategy.type !== 'Recreate')
      causes.push({
        field: 'spec.strategy.type',
        message: `Unsupported value: "${strategy.type}": supported values: "Recreate", "RollingUpdate"`,
      });
    if (strategy.type === 'RollingUpdate') {
      const r = strategy.rollingUpdate ?? {};
      const values: number[] = [];
      for (const key of ['maxSurge', 'maxUnavailable'] as const) {
        try {
          values.push(scaledValue(r[key], 100, true));
          if (
            typeof r[key] === 'string' &&
            r[key].endsWith('%') &&
            Number(r[key].slice(0, -1)) > 100 &&
            key === 'maxUnavailable'
          )
            causes.push({
              field: `spec.strategy.rollingUpdate.${key}`,
              message: 'must not be greater than 100%',
            });
        } catch (e) {
          if (e instanceof IntOrPercentError)
            causes.push({
              field: `spec.strategy.rollingUpdate.${key}`,
              message: `Invalid value: ${JSON.stringify(r[key])}: a number or a percentage`,
            });
        }
      }
      if (values.length === 2 && values[0] === 0 && values[1] === 0)
        causes.push({
          field: 'spec.strategy.rollingUpdate.maxUnavailable',
          message: 'may not be 0 when `maxSurge` is 0',
        });
    }
    for (const key of ['revisionHistoryLimit', 'progressDeadlineSeconds', 'minReadySeconds'])
      if (!Number.isInteger(spec[key]) || spec[key] < 0)
        causes.push({ field: `spec.${key}`, message: 'must be greater than or equal to 0' });
    if (spec.paused !== undefined && typeof spec.paused !== 'boolean')
      causes.push({ field: 'spec.paused', message: 'must be a boolean' });
  }
  if (!DNS_LABEL.test(name) || name.length > 63)
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 label of at most 63 characters`,
    });
  return causes;
}

function stringMap(value: unknown, field: string, causes: Cause[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
    causes.push({ field, message: 'must be a map of strings' });
    return {};
  }
  return value as Record<string, string>;
}

/** Reads a manifest into what is stored, or a 4xx that changes nothing. */
export function readWorkload(
  resource: AppsResource,
  namespace: string,
  body: unknown,
  name?: string,
  existing?: WorkloadRow,
) {
  const kind = APPS_KINDS[resource].kind;
  const apiVersion = apiVersionOf(resource);
  if (!isObject(body))
    throw new KubeError(400, `the request body must be an ${apiVersion} ${kind} object`);
  if (
    (body.apiVersion !== undefined && body.apiVersion !== apiVersion) ||
    (body.kind !== undefined && body.kind !== kind)
  )
    throw new KubeError(
      400,
      `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersion}) for kind ${body.kind ?? kind}`,
    );
  const meta = isObject(body.metadata) ? body.metadata : {};
  if (meta.namespace && meta.namespace !== namespace)
    throw new KubeError(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  const objName = (meta.name as string | undefined) ?? name ?? '';
  if (name !== undefined && objName !== name)
    throw KubeError.invalid(kind, name, [
      { field: 'metadata.name', message: `Invalid value: "${objName}": field is immutable` },
    ]);
  if (!objName)
    throw KubeError.invalid(kind, '', [
      { field: 'metadata.name', message: 'Required value: name or generateName is required' },
    ]);
  const causes: Cause[] = [];
  const labels = stringMap(meta.labels, 'metadata.labels', causes);
  let annotations = stringMap(meta.annotations, 'metadata.annotations', causes);
  let spec = withDefaults(resource, isObject(body.spec) ? body.spec : {});
  if (resource === 'daemonsets')
    annotations = {
      ...annotations,
      [TEMPLATE_GENERATION_ANNOTATION]: templateGenerationOf(spec, existing),
    };
  const uid = existing?.uid ?? randomUUID();
  if (resource === 'jobs') spec = jobSelector(spec, objName, uid);
  causes.push(...validate(resource, objName, spec));
  if (causes.length) throw KubeError.invalid(kind, objName, causes);
  return {
    uid,
    name: objName,
    labels,
    annotations,
    spec,
    ownerReferences: Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [],
  };
}
