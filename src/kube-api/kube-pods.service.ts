import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { V1Pod } from '@kubernetes/client-node';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors';
import { VersionCache } from '../common/version-cache';
import { PodsRepository, PodVersion } from '../database/pods.repository';
import { PodRecord } from '../database/records';
import { PodsService } from '../pods/pods.service';
import { AGENT_ANNOTATIONS } from '../../node-simulator/src/lifecycle';
import { checkPodFields, fieldValidation } from './field-validation';
import { KubeContextService } from './kube-context.service';
import { DEFAULT_NAMESPACE, KubeContext } from './kube-objects';
import { KubeError } from './kube-status';
import { ListOptions, listMatcher, PAGE } from './list-filter';
import { patchMetadata } from './metadata-patch';
import { nodeAddress } from './node-object';
import { Cause, checkMetadataMaps, podManifestToCreate } from './pod-manifest';
import { toKubePod } from './pod-object';
import { checkReplaceBody, sameJson } from './replace-body';

const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'status.phase',
  'status.podIP',
  'spec.restartPolicy',
  'spec.schedulerName',
] as const;

/** Pods' objects kept for lists (each about 2 KB, with a watch's text of it some 3 KB more). */
const POD_OBJECTS_KEPT = 20_000;
/** Pods read in full by one statement. */
const FULL_READ = 5_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Pods through the Kubernetes API: kubesim's pods as v1 Pods, their creation, changes, deletion and eviction. */
@Injectable()
export class KubePodsService {
  /** each pod's object by the version it was made from (`listPods`) */
  private readonly objects = new VersionCache<V1Pod>(POD_OBJECTS_KEPT, () => 1);

  constructor(
    private readonly podsRepository: PodsRepository,
    private readonly pods: PodsService,
    private readonly kube: KubeContextService,
  ) {}

  /**
   * A namespace that does not exist lists empty, as in kube-apiserver. The pods' versions
   * are read first and only the pods whose version has no object here yet are read in full
   * and translated: a watch reading its list again after each change makes again only what
   * changed, and gets the same object for a pod that did not (so what it worked out of that
   * object, its signature and wire text, holds too). The objects are shared: no caller
   * changes them.
   */
  async listPods(namespace: string | null, options: ListOptions): Promise<V1Pod[]> {
    const ctx = await this.kube.kubeContext();
    const match = listMatcher(options, POD_FIELDS);
    const versions: PodVersion[] = [];
    for (let after: number | undefined; ;) {
      const page = await this.podsRepository.listPodVersions({
        after,
        limit: PAGE,
        offset: 0,
        namespace: namespace ?? undefined,
      });
      for (const v of page) versions.push(v);
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    const { found: pods, missing, keep } = this.objects.lookup(versions);
    const ids = [...missing.keys()];
    for (let from = 0; from < ids.length; from += FULL_READ) {
      for (const row of await this.podsRepository.podsWithVersions(
        ids.slice(from, from + FULL_READ),
      )) {
        // a pod changed since its version was read is answered as it is now
        const pod = this.pod(ctx, row);
        keep(row.id, row.version, pod);
        pods[missing.get(row.id)!] = pod;
      }
    }
    // a pod deleted since its version was read is left out
    return pods.filter(
      (p): p is V1Pod => p !== undefined && match(p.metadata!.labels ?? {}, podFields(p)),
    );
  }

  /** The stored pod a Kubernetes path names. */
  async podRecord(namespace: string, name: string): Promise<PodRecord> {
    const pod = namespace === DEFAULT_NAMESPACE ? await this.podsRepository.findPod(name) : null;
    if (!pod || pod.name !== name) throw KubeError.notFound('pods', name);
    return pod;
  }

  async getPod(namespace: string, name: string): Promise<V1Pod> {
    const pod = await this.podsRepository.findPod(name, namespace);
    if (!pod || pod.name !== name || pod.namespace !== namespace)
      throw KubeError.notFound('pods', name);
    return this.pod(await this.kube.kubeContext(), pod);
  }

  /** A pod from a v1.Pod manifest; `warnings` are the unknown fields fieldValidation=Warn reports. */
  async createPod(
    namespace: string,
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): Promise<{ pod: V1Pod; warnings: string[] }> {
    const unknown = checkPodFields(body, fieldValidation(query.fieldValidation));
    const { dto, labels, annotations } = podManifestToCreate(body, namespace);
    const warnings = unknown.map((f) => `unknown field "${f}"`);
    try {
      if (query.dryRun === 'All') {
        // every check a creation makes, and the object as it would be stored, unscheduled
        if (await this.podsRepository.findPod(dto.name, namespace))
          throw KubeError.alreadyExists('pods', dto.name);
        await this.pods.checkPod({ ...dto, namespace });
        return { pod: dryRunPod(body as V1Pod, namespace, labels, annotations), warnings };
      }
      // the namespace and the name are checked by the creation itself, and the answer is
      // the pod as stored: no query more than a pod made through kubesim's own API costs
      const created = await this.pods.createPodRecord(
        { ...dto, namespace },
        { labels, annotations },
      );
      return { pod: this.pod(await this.kube.kubeContext(), created), warnings };
    } catch (err) {
      if (err instanceof ConflictError && /already exists/.test(err.message))
        throw KubeError.alreadyExists('pods', dto.name);
      if (err instanceof NotFoundError) throw KubeError.notFound('namespaces', namespace);
      if (err instanceof ForbiddenError)
        throw new KubeError(403, `pods "${dto.name}" is forbidden: ${err.message}`, 'Forbidden', {
          name: dto.name,
          kind: 'pods',
        });
      if (err instanceof ConflictError)
        throw new KubeError(409, err.message, 'Conflict', { name: dto.name, kind: 'pods' });
      throw err;
    }
  }

  /**
   * A patch of a pod's labels and annotations (`kubectl label`, `annotate`, and `apply` of an
   * unchanged spec); a change to anything else is refused as kube-apiserver refuses most
   * changes to a pod's spec.
   */
  async patchPod(
    namespace: string,
    name: string,
    contentType: string,
    patch: unknown,
  ): Promise<V1Pod> {
    const current = await this.getPod(namespace, name);
    const id = Number(current.metadata!.annotations!['kubesim.io/pod-id']);
    const { labels, annotations } = patchMetadata(contentType, patch, current);
    const causes: Cause[] = [];
    const checked = checkMetadataMaps(labels, annotations, causes);
    if (causes.length) throw KubeError.invalid('Pod', name, causes);
    const before = current.metadata!.annotations ?? {};
    const redeliver = AGENT_ANNOTATIONS.some((k) => before[k] !== checked.annotations[k]);
    if (
      !(await this.podsRepository.setPodMetadata(
        id,
        checked.labels,
        checked.annotations,
        redeliver,
      ))
    )
      throw KubeError.notFound('pods', name);
    return this.getPod(namespace, name);
  }

  /**
   * `kubectl replace` of a pod: the whole object again. As kube-apiserver, a stale
   * `resourceVersion` is a Conflict and a changed spec is refused (kubesim changes none of
   * it, not even the image); labels and annotations take the new object's.
   */
  async replacePod(namespace: string, name: string, given: unknown): Promise<V1Pod> {
    const current = await this.getPod(namespace, name);
    const body = checkReplaceBody(given, {
      kind: 'Pod',
      resource: 'pods',
      name,
      namespace,
      resourceVersion: current.metadata!.resourceVersion!,
    });
    const meta = body.metadata as Record<string, unknown>;
    if (!sameJson(body.spec, current.spec))
      throw KubeError.invalid('Pod', name, [
        {
          field: 'spec',
          message:
            'Forbidden: kubesim changes only metadata.labels and metadata.annotations of a pod',
        },
      ]);
    const labels = (isObject(meta.labels) ? meta.labels : {}) as Record<string, unknown>;
    const annotations = { ...((isObject(meta.annotations) ? meta.annotations : {}) as object) };
    delete (annotations as Record<string, unknown>)['kubesim.io/pod-id'];
    // the same path as a merge patch that sets both maps whole
    return this.patchPod(namespace, name, 'application/json-patch+json', [
      { op: 'replace', path: '/metadata/labels', value: labels },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ]);
  }

  async deletePod(namespace: string, name: string): Promise<V1Pod> {
    const pod = await this.getPod(namespace, name);
    try {
      await this.pods.deletePod(name, namespace);
    } catch (err) {
      if (err instanceof NotFoundError) throw KubeError.notFound('pods', name);
      throw err;
    }
    return pod;
  }

  /**
   * A policy/v1 (or v1beta1) Eviction of a pod: kubesim has no PodDisruptionBudgets, so
   * every eviction is allowed and the pod is deleted (its controller, if any, replaces it).
   */
  async evictPod(namespace: string, name: string, body: unknown): Promise<object> {
    const eviction = (body ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: unknown };
    if (typeof eviction !== 'object' || Array.isArray(eviction))
      throw new KubeError(400, 'the body must be a policy/v1 Eviction object');
    if (eviction.kind !== undefined && eviction.kind !== 'Eviction')
      throw new KubeError(
        400,
        `the body must be a policy/v1 Eviction, not ${JSON.stringify(eviction.kind)}`,
      );
    if (
      eviction.apiVersion !== undefined &&
      eviction.apiVersion !== 'policy/v1' &&
      eviction.apiVersion !== 'policy/v1beta1'
    )
      throw new KubeError(
        400,
        `the Eviction's apiVersion must be policy/v1 or policy/v1beta1, not ${JSON.stringify(eviction.apiVersion)}`,
      );
    const meta = (eviction.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (meta.name !== undefined && meta.name !== name)
      throw new KubeError(400, 'name in URL does not match name in Eviction object');
    if (meta.namespace !== undefined && meta.namespace !== namespace)
      throw new KubeError(
        400,
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    await this.getPod(namespace, name);
    try {
      await this.pods.deletePod(name, namespace, 'eviction');
    } catch (err) {
      if (err instanceof NotFoundError) throw KubeError.notFound('pods', name);
      throw err;
    }
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };
  }

  private pod(ctx: KubeContext, p: PodRecord): V1Pod {
    return toKubePod(ctx, p, p.node_id !== null ? nodeAddress(p.node_id) : undefined);
  }
}

function podFields(p: V1Pod): Record<string, string | undefined> {
  return {
    'metadata.name': p.metadata?.name,
    'metadata.namespace': p.metadata?.namespace,
    'spec.nodeName': p.spec?.nodeName,
    'status.phase': p.status?.phase,
    'status.podIP': p.status?.podIP,
    'spec.restartPolicy': p.spec?.restartPolicy,
    'spec.schedulerName': p.spec?.schedulerName,
  };
}

/** What a dry-run creation answers: the pod as it would be stored, before any scheduling. */
function dryRunPod(
  body: V1Pod,
  namespace: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...body.metadata,
      namespace,
      uid: randomUUID(),
      creationTimestamp: new Date(),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    spec: body.spec,
    status: { phase: 'Pending' },
  };
}
