import { Injectable } from '@nestjs/common';
import { ConflictError } from '../common/errors';
import { DNS_LABEL } from '../common/validation';
import { WorkloadKind, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { randomUUID } from 'node:crypto';
import { JOB_CONTROLLER_UID, JOB_NAME } from '../workloads/core/job';
import { TEMPLATE_GENERATION_ANNOTATION } from '../workloads/core/daemon-set';
import { stableStringify } from '../workloads/core/template-hash';
import { isEmptySelector, matchesSelector } from '../workloads/core/label-selector';
import { IntOrPercentError, scaledValue } from '../workloads/core/int-or-percent';
import { applyPatch, PatchError } from '../workloads/object-patch';
import { WorkloadsReconcilerService, FOREGROUND } from '../workloads/workloads-reconciler.service';
import { Cause, podManifestToCreate } from './pod-manifest';
import { checkPodFields, FieldValidation } from './field-validation';
import { KubeError } from './kube-status';
import { workloadMetadata } from './kube-objects';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

export type AppsResource = 'deployments' | 'replicasets' | 'daemonsets' | 'jobs';
export const APPS_KINDS: Record<
  AppsResource,
  { kind: string; table: WorkloadKind; group: 'apps' | 'batch' }
> = {
  deployments: { kind: 'Deployment', table: 'deployments', group: 'apps' },
  replicasets: { kind: 'ReplicaSet', table: 'replica_sets', group: 'apps' },
  daemonsets: { kind: 'DaemonSet', table: 'daemon_sets', group: 'apps' },
  jobs: { kind: 'Job', table: 'jobs', group: 'batch' },
};
/** The apiVersion of a resource's objects: apps/v1 or batch/v1. */
export const apiVersionOf = (resource: AppsResource) => `${APPS_KINDS[resource].group}/v1`;
/** kube-apiserver's name of a resource in its messages: `deployments.apps`, `jobs.batch`. */
const qualified = (resource: AppsResource) => `${resource}.${APPS_KINDS[resource].group}`;

export interface AppsObject {
  apiVersion: string;
  kind: string;
  metadata: Record<string, any>;
  spec: Record<string, any>;
  status: Record<string, any>;
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A row as its apps/v1 or batch/v1 object; resourceVersion is the time of its last write (ms), as kubesim's others. */
export function toAppsObject(resource: AppsResource, row: WorkloadRow): AppsObject {
  const meta = workloadMetadata(row);
  if ((row.owner_references ?? []).length) meta.ownerReferences = row.owner_references;
  if ((row.finalizers ?? []).length) meta.finalizers = row.finalizers;
  if (row.deletion_timestamp)
    meta.deletionTimestamp = new Date(row.deletion_timestamp).toISOString();
  return {
    apiVersion: apiVersionOf(resource),
    kind: APPS_KINDS[resource].kind,
    metadata: meta,
    spec: row.spec,
    status: served(row.status ?? {}),
  };
}

/** A status as served: without kubesim's own bookkeeping (a Job's `counted` pods). */
function served(status: Record<string, any>): Record<string, any> {
  if (!('counted' in status)) return status;
  const { counted: _counted, ...rest } = status;
  return rest;
}

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

/** A DaemonSet's defaults, as kube-apiserver fills them in (RollingUpdate, one node at a time). */
function daemonSetDefaults(spec: Record<string, any>): Record<string, any> {
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
function validateDaemonSet(spec: Record<string, any>): Cause[] {
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
function templateGenerationOf(spec: Record<string, any>, existing?: WorkloadRow): string {
  if (!existing) return '1';
  const was = Number(
    existing.annotations?.[TEMPLATE_GENERATION_ANNOTATION] ?? existing.generation ?? 1,
  );
  return String(
    stableStringify(existing.spec.template) === stableStringify(spec.template) ? was : was + 1,
  );
}

/** A Job's defaults, as kube-apiserver fills them in (NonIndexed; one pod when neither count is given). */
function jobDefaults(spec: Record<string, any>): Record<string, any> {
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
function validateJob(spec: Record<string, any>): Cause[] {
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
function jobSelector(spec: Record<string, any>, name: string, uid: string): Record<string, any> {
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

/** Deployments, ReplicaSets, DaemonSets and Jobs over the Kubernetes API: their rules and translation. */
@Injectable()
export class KubeAppsService {
  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly reconciler: WorkloadsReconcilerService,
  ) {}

  async list(
    resource: AppsResource,
    namespace: string | null,
    opts: { labelSelector?: string; fieldSelector?: string },
  ): Promise<AppsObject[]> {
    let byLabel, byField;
    try {
      byLabel = parseLabelSelector(opts.labelSelector);
      byField = parseFieldSelector(opts.fieldSelector, ['metadata.name', 'metadata.namespace']);
    } catch (err) {
      if (err instanceof SelectorError) throw new KubeError(400, err.message);
      throw err;
    }
    const rows = await this.repo.list(APPS_KINDS[resource].table, namespace ?? undefined);
    return rows
      .filter(
        (r) =>
          byLabel(r.labels ?? {}) &&
          byField({ 'metadata.name': r.name, 'metadata.namespace': r.namespace }),
      )
      .map((r) => toAppsObject(resource, r));
  }

  async get(resource: AppsResource, namespace: string, name: string): Promise<AppsObject> {
    return toAppsObject(resource, await this.row(resource, namespace, name));
  }

  private async row(resource: AppsResource, namespace: string, name: string): Promise<WorkloadRow> {
    const row = await this.repo.find(APPS_KINDS[resource].table, namespace, name);
    if (!row) throw KubeError.notFound(qualified(resource), name);
    return row;
  }

  /** Reads a manifest into what is stored, or a 4xx that changes nothing. */
  private read(
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

  async create(
    resource: AppsResource,
    namespace: string,
    body: unknown,
    dryRun = false,
    validation: FieldValidation = 'Warn',
  ): Promise<AppsObject> {
    this.checkFields(resource, body, validation);
    const w = this.read(resource, namespace, body);
    if (dryRun) {
      const now = new Date();
      return toAppsObject(resource, {
        id: 0,
        namespace,
        name: w.name,
        uid: w.uid,
        generation: '1',
        resource_version: '0',
        labels: w.labels,
        annotations: w.annotations,
        owner_references: w.ownerReferences,
        finalizers: [],
        spec: w.spec,
        status: {},
        created_at: now,
        updated_at: now,
        deletion_timestamp: null,
      });
    }
    try {
      const row = await this.repo.insert(APPS_KINDS[resource].table, { namespace, ...w });
      this.reconciler.poke();
      return toAppsObject(resource, row);
    } catch (err) {
      if (err instanceof ConflictError) throw KubeError.alreadyExists(qualified(resource), w.name);
      throw err;
    }
  }

  async replace(
    resource: AppsResource,
    namespace: string,
    name: string,
    body: unknown,
    validation: FieldValidation = 'Warn',
  ): Promise<AppsObject> {
    this.checkFields(resource, body, validation);
    const before = await this.row(resource, namespace, name);
    const w = this.read(resource, namespace, body, name, before);
    const rv =
      isObject(body) && isObject(body.metadata) ? body.metadata.resourceVersion : undefined;
    if (rv !== undefined && rv !== String(new Date(before.updated_at).getTime()))
      throw new KubeError(
        409,
        `Operation cannot be fulfilled on ${qualified(resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
      );
    const row = await this.repo.update(APPS_KINDS[resource].table, namespace, name, w);
    if (!row) throw KubeError.notFound(qualified(resource), name);
    this.reconciler.poke();
    return toAppsObject(resource, row);
  }

  async patch(
    resource: AppsResource,
    namespace: string,
    name: string,
    contentType: string,
    patch: unknown,
    dryRun = false,
    validation: FieldValidation = 'Warn',
  ): Promise<AppsObject> {
    const before = await this.get(resource, namespace, name);
    let after: unknown;
    try {
      after = applyPatch({ ...before, status: undefined }, contentType, patch);
    } catch (err) {
      if (err instanceof PatchError)
        throw contentType.startsWith('application/')
          ? new KubeError(422, err.message, 'Invalid')
          : new KubeError(415, err.message);
      throw err;
    }
    if (isObject(after) && isObject(after.metadata)) delete after.metadata.resourceVersion;
    this.checkFields(resource, after, validation);
    if (dryRun) {
      const w = this.read(
        resource,
        namespace,
        after,
        name,
        await this.row(resource, namespace, name),
      );
      return {
        ...before,
        metadata: { ...before.metadata, labels: w.labels, annotations: w.annotations },
        spec: w.spec,
      };
    }
    return this.replace(resource, namespace, name, after);
  }

  /**
   * fieldValidation=Strict refuses a DaemonSet's unknown fields as kube-apiserver does (the
   * other workload kinds are read leniently, their unknown fields ignored).
   */
  private checkFields(resource: AppsResource, body: unknown, validation: FieldValidation): void {
    if (resource === 'daemonsets' && validation === 'Strict')
      checkPodFields(body, validation, 'V1DaemonSet', 'DaemonSet');
  }

  /** propagationPolicy: Background (the default here, as for kubectl), Foreground or Orphan. */
  async delete(
    resource: AppsResource,
    namespace: string,
    name: string,
    policy: string | undefined,
  ) {
    const row = await this.row(resource, namespace, name);
    const table = APPS_KINDS[resource].table;
    const p = policy ?? 'Background';
    if (!['Background', 'Foreground', 'Orphan'].includes(p))
      throw new KubeError(
        400,
        `propagationPolicy: Unsupported value: "${p}": supported values: "Background", "Foreground", "Orphan"`,
      );
    if (p === 'Orphan') {
      await this.repo.removeOrphaning(table, row.id, row.uid);
    } else if (p === 'Foreground') {
      await this.repo.markDeleting(table, row.id, [FOREGROUND]);
    } else {
      await this.repo.remove(table, row.id);
    }
    this.reconciler.poke();
    const gone = toAppsObject(resource, row);
    return p === 'Foreground'
      ? {
          ...gone,
          metadata: {
            ...gone.metadata,
            deletionTimestamp: new Date().toISOString(),
            finalizers: [FOREGROUND],
          },
        }
      : {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, group: APPS_KINDS[resource].group, kind: resource, uid: row.uid },
        };
  }

  async getScale(resource: AppsResource, namespace: string, name: string) {
    if (resource !== 'deployments' && resource !== 'replicasets')
      throw new KubeError(404, 'the server could not find the requested resource');
    return this.scaleOf(await this.get(resource, namespace, name));
  }

  private scaleOf(o: AppsObject) {
    const sel = o.spec.selector?.matchLabels ?? {};
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: o.metadata.name,
        namespace: o.metadata.namespace,
        uid: o.metadata.uid,
        resourceVersion: o.metadata.resourceVersion,
        creationTimestamp: o.metadata.creationTimestamp,
      },
      spec: { replicas: o.spec.replicas },
      status: {
        replicas: o.status.replicas ?? 0,
        selector: Object.entries(sel)
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    };
  }

  /** PUT or PATCH of the scale subresource: only spec.replicas changes. */
  async updateScale(
    resource: AppsResource,
    namespace: string,
    name: string,
    contentType: string | null,
    body: unknown,
  ) {
    const current = await this.getScale(resource, namespace, name);
    let next: unknown = body;
    if (contentType !== null) {
      try {
        next = applyPatch(current, contentType, body);
      } catch (err) {
        if (err instanceof PatchError) throw new KubeError(422, err.message, 'Invalid');
        throw err;
      }
    }
    const replicas = isObject(next) && isObject(next.spec) ? next.spec.replicas : undefined;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw KubeError.invalid('Scale', name, [
        { field: 'spec.replicas', message: 'must be greater than or equal to 0' },
      ]);
    const o = await this.get(resource, namespace, name);
    const updated = await this.replace(resource, namespace, name, {
      ...o,
      spec: { ...o.spec, replicas },
    });
    return this.scaleOf(updated);
  }
}
