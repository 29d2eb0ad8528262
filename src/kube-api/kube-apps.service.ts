import { Injectable } from '@nestjs/common';
import { ConflictError } from '../common/errors';
import { WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { applyPatch, PatchError } from '../workloads/object-patch';
import { FOREGROUND } from '../workloads/controlled-pods';
import { WorkloadsReconcilerService } from '../workloads/workloads-reconciler.service';
import { APPS_KINDS, AppsObject, AppsResource, qualified, toAppsObject } from './apps-object';
import { checkPodFields, FieldValidation } from './field-validation';
import { KubeError } from './kube-status';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import { readWorkload } from './workload-manifest';

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Deployments, ReplicaSets, DaemonSets and Jobs over the Kubernetes API: listed, made,
 * replaced, patched, deleted (with their propagation policy) and scaled; manifests are read
 * by `workload-manifest.ts`.
 */
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

  async create(
    resource: AppsResource,
    namespace: string,
    body: unknown,
    dryRun = false,
    validation: FieldValidation = 'Warn',
  ): Promise<AppsObject> {
    this.checkFields(resource, body, validation);
    const w = readWorkload(resource, namespace, body);
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
    const w = readWorkload(resource, namespace, body, name, before);
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
      const w = readWorkload(
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
