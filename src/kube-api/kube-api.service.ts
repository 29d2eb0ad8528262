import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { CoreV1Event, V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors';
import {
  NamespaceRecord,
  NamespacesRepository,
  SYSTEM_NAMESPACES,
} from '../database/namespaces.repository';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { SettingsRepository } from '../database/settings.repository';
import { PodRecord } from '../database/records';
import { EventsService } from '../events/events.service';
import { NodesService } from '../nodes/nodes.service';
import { parseTaints } from '../scheduler/strategies/constraints';
import { Taint } from '../scheduler/strategies/types';
import { PodsService } from '../pods/pods.service';
import {
  DEFAULT_NAMESPACE,
  KubeContext,
  nodeAddress,
  STATE_TAINT_KEYS,
  toKubeEvent,
  toKubeNamespace,
  toKubeNode,
  toKubePod,
  uidOf,
} from './kube-objects';
import { checkPodFields, fieldValidation } from './field-validation';
import { WorkloadKind, WorkloadsRepository } from '../database/workloads.repository';

/** The tables of the workload kinds an event may be about (for its involvedObject.uid). */
const WORKLOAD_TABLES: Record<string, WorkloadKind> = {
  Deployment: 'deployments',
  ReplicaSet: 'replica_sets',
  DaemonSet: 'daemon_sets',
  Job: 'jobs',
};
import { KubeError } from './kube-status';
import { checkReplaceBody } from './replace-body';
import { namespaceManifest } from './namespace-manifest';
import { AGENT_ANNOTATIONS } from '../../node-simulator/src/lifecycle';
import { Cause, checkMetadataMaps, podManifestToCreate } from './pod-manifest';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'status.phase',
  'status.podIP',
  'spec.restartPolicy',
  'spec.schedulerName',
] as const;
const NODE_FIELDS = ['metadata.name', 'spec.unschedulable'] as const;
const NAMESPACE_FIELDS = ['metadata.name', 'status.phase'] as const;
const EVENT_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.name',
  'involvedObject.namespace',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'type',
  'source',
  'reportingComponent',
] as const;

/** How many rows one page of kubesim's own listing reads while the Kubernetes API gathers all. */
const PAGE = 1000;

/** How long a namespace's deletion waits before it tries again after a failure. */
const NAMESPACE_RETRY_MS = 2000;

/** The Kubernetes API's operations, on kubesim's own services and store. */
@Injectable()
export class KubeApiService implements OnApplicationBootstrap {
  private readonly logger = new Logger('KubeApi');
  private context: Promise<KubeContext> | null = null;
  /** namespaces whose pods this process is deleting now */
  private readonly finishing = new Set<string>();

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly settingsRepository: SettingsRepository,
    private readonly namespaces: NamespacesRepository,
    private readonly nodes: NodesService,
    private readonly pods: PodsService,
    private readonly events: EventsService,
    private readonly workloads: WorkloadsRepository,
  ) {}

  kubeContext(): Promise<KubeContext> {
    this.context ??= (async () => {
      const clusterId = await this.settingsRepository.clusterId();
      let created = await this.settingsRepository.getSetting('cluster.created_at');
      if (!created) {
        created = new Date().toISOString();
        await this.settingsRepository.putSetting('cluster.created_at', created);
      }
      return { clusterId, clusterCreatedAt: new Date(created) };
    })().catch((err) => {
      this.context = null;
      throw err;
    });
    return this.context;
  }

  /** A list's resourceVersion: the moment it was read (every object version is a moment too). */
  listVersion(): string {
    return String(Date.now());
  }

  // ---- nodes

  async listNodes(options: ListOptions): Promise<V1Node[]> {
    const ctx = await this.kubeContext();
    const match = this.matcher(options, NODE_FIELDS);
    return (await this.nodesRepository.allNodes())
      .map((n) => toKubeNode(ctx, n))
      .filter((n) =>
        match(n.metadata!.labels ?? {}, {
          'metadata.name': n.metadata!.name,
          'spec.unschedulable': String(n.spec?.unschedulable ?? false),
        }),
      );
  }

  async getNode(name: string): Promise<V1Node> {
    const node = await this.nodesRepository.findNode(name);
    if (!node || node.name !== name) throw KubeError.notFound('nodes', name);
    return toKubeNode(await this.kubeContext(), node);
  }

  /**
   * The changes kubesim takes on a node through this API: spec.unschedulable (`kubectl
   * cordon`/`uncordon`) and spec.taints (`kubectl taint`), in any patch type. The taints
   * kubesim shows for a node's state (cordoned, master, not ready) are not stored.
   */
  async patchNode(name: string, contentType: string, patch: unknown): Promise<V1Node> {
    const current = await this.getNode(name);
    const change = nodeChangeFromPatch(contentType, patch, current);
    let taints: Taint[] | undefined;
    if (change.taints !== undefined) {
      const causes: Cause[] = [];
      taints = parseTaints(change.taints, 'spec.taints', causes).filter(
        (t) => !STATE_TAINT_KEYS.includes(t.key),
      );
      if (causes.length) throw KubeError.invalid('Node', name, causes);
    }
    if (
      change.unschedulable !== undefined &&
      change.unschedulable !== !!current.spec?.unschedulable
    ) {
      await this.nodes.setCordoned(name, change.unschedulable);
    }
    if (taints) await this.nodes.setTaints(name, taints);
    return this.getNode(name);
  }

  /**
   * `kubectl replace` of a node: what a patch may change (spec.unschedulable, spec.taints)
   * taken from the whole object; a change to anything else is refused as a patch of it is.
   */
  async replaceNode(name: string, given: unknown): Promise<V1Node> {
    const current = await this.getNode(name);
    const body = checkReplaceBody(given, {
      kind: 'Node',
      resource: 'nodes',
      name,
      namespace: '',
      resourceVersion: current.metadata!.resourceVersion!,
    });
    const meta = body.metadata as Record<string, unknown>;
    const spec = (isObject(body.spec) ? body.spec : {}) as Record<string, unknown>;
    const was = (current.spec ?? {}) as Record<string, unknown>;
    const changed = [
      ...(['labels', 'annotations'] as const)
        .filter((k) => !sameJson(meta[k], current.metadata?.[k]))
        .map((k) => `metadata.${k}`),
      ...Object.keys({ ...spec, ...was })
        .filter((k) => k !== 'unschedulable' && k !== 'taints' && !sameJson(spec[k], was[k]))
        .map((k) => `spec.${k}`),
    ];
    // the same refusal a patch of that field meets
    if (changed.length) throw nodeRefusal(name, changed[0]);
    return this.patchNode(name, 'application/merge-patch+json', {
      spec: { unschedulable: spec.unschedulable ?? false, taints: spec.taints ?? [] },
    });
  }

  async deleteNode(name: string): Promise<V1Node> {
    const node = await this.getNode(name);
    await this.nodes.deleteNode(name);
    return node;
  }

  // ---- pods

  /** A namespace that does not exist lists empty, as in kube-apiserver. */
  async listPods(namespace: string | null, options: ListOptions): Promise<V1Pod[]> {
    const ctx = await this.kubeContext();
    const match = this.matcher(options, POD_FIELDS);
    const rows: PodRecord[] = [];
    for (let after: number | undefined; ;) {
      const page = await this.podsRepository.listPods({
        after,
        limit: PAGE,
        offset: 0,
        namespace: namespace ?? undefined,
      });
      rows.push(...page);
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    return rows
      .map((p) => this.pod(ctx, p))
      .filter((p) => match(p.metadata!.labels ?? {}, podFields(p)));
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
    return this.pod(await this.kubeContext(), pod);
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
      return { pod: this.pod(await this.kubeContext(), created), warnings };
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

  // ---- namespaces

  async listNamespaces(options: ListOptions): Promise<V1Namespace[]> {
    const match = this.matcher(options, NAMESPACE_FIELDS);
    return (await this.namespaces.list())
      .map((n) => toKubeNamespace(n))
      .filter((ns) =>
        match(ns.metadata!.labels ?? {}, {
          'metadata.name': ns.metadata!.name,
          'status.phase': ns.status?.phase,
        }),
      );
  }

  async getNamespace(name: string): Promise<V1Namespace> {
    return toKubeNamespace(await this.requireNamespace(name));
  }

  async createNamespace(
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): Promise<{ namespace: V1Namespace; warnings: string[] }> {
    if (query.dryRun !== undefined)
      throw new KubeError(400, 'dryRun is not supported by kubesim yet');
    const mode = fieldValidation(query.fieldValidation);
    const { name, labels, annotations, unknown } = namespaceManifest(body);
    if (unknown.length && mode === 'Strict')
      throw new KubeError(
        400,
        `Namespace in version "v1" cannot be handled as a Namespace: strict decoding error: ${unknown
          .map((f) => `unknown field "${f}"`)
          .join(', ')}`,
      );
    try {
      const row = await this.namespaces.create(name, labels, annotations);
      return {
        namespace: toKubeNamespace(row),
        warnings: mode === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [],
      };
    } catch (err) {
      if (err instanceof ConflictError) throw KubeError.alreadyExists('namespaces', name);
      throw err;
    }
  }

  /** A patch of a namespace's labels and annotations (`kubectl label`, `apply`). */
  async patchNamespace(name: string, contentType: string, patch: unknown): Promise<V1Namespace> {
    const current = await this.getNamespace(name);
    const { labels, annotations } = patchMetadata(
      contentType,
      patch,
      current as V1Pod,
      'Namespace',
    );
    const causes: Cause[] = [];
    const checked = checkMetadataMaps(labels, annotations, causes);
    if (causes.length) throw KubeError.invalid('Namespace', name, causes);
    const row = await this.namespaces.setMetadata(
      name,
      { ...checked.labels, 'kubernetes.io/metadata.name': name },
      checked.annotations,
    );
    if (!row) throw KubeError.notFound('namespaces', name);
    return toKubeNamespace(row);
  }

  /** `kubectl replace` of a namespace: its labels and annotations from the whole object. */
  async replaceNamespace(name: string, given: unknown): Promise<V1Namespace> {
    const current = await this.getNamespace(name);
    const body = checkReplaceBody(given, {
      kind: 'Namespace',
      resource: 'namespaces',
      name,
      namespace: '',
      resourceVersion: current.metadata!.resourceVersion!,
    });
    const meta = body.metadata as Record<string, unknown>;
    return this.patchNamespace(name, 'application/json-patch+json', [
      { op: 'replace', path: '/metadata/labels', value: isObject(meta.labels) ? meta.labels : {} },
      {
        op: 'replace',
        path: '/metadata/annotations',
        value: isObject(meta.annotations) ? meta.annotations : {},
      },
    ]);
  }

  /**
   * Marks the namespace Terminating and answers with it; its pods are then deleted the
   * way any pod is (each with its Killing event), and the namespace goes once it is empty.
   */
  async deleteNamespace(name: string): Promise<V1Namespace> {
    if (SYSTEM_NAMESPACES.includes(name))
      throw new KubeError(
        403,
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        'Forbidden',
        { name, kind: 'namespaces' },
      );
    await this.requireNamespace(name);
    const row = await this.namespaces.markTerminating(name);
    if (!row) throw KubeError.notFound('namespaces', name);
    void this.finishNamespace(name);
    return toKubeNamespace(row);
  }

  /** Deletions a restart interrupted are carried on. */
  onApplicationBootstrap(): void {
    void this.namespaces
      .terminating()
      .then((names) => names.forEach((n) => void this.finishNamespace(n)))
      .catch((err: Error) =>
        this.logger.warn(`could not read the terminating namespaces: ${err.message}`),
      );
  }

  private async finishNamespace(name: string): Promise<void> {
    if (this.finishing.has(name)) return;
    this.finishing.add(name);
    try {
      // a pod made while the namespace turned Terminating is caught by the next round
      for (;;) {
        await this.namespaces.removeObjectsIn(name);
        for (const pod of await this.namespaces.podsIn(name)) {
          try {
            await this.pods.deletePod(String(pod.id), name);
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
          }
        }
        if (await this.namespaces.removeIfEmpty(name)) return;
      }
    } catch (err) {
      this.logger.warn(`deleting namespace ${name}: ${(err as Error).message}; trying again`);
      setTimeout(() => void this.finishNamespace(name), NAMESPACE_RETRY_MS).unref();
    } finally {
      this.finishing.delete(name);
    }
  }

  // ---- events

  /** Oldest first, as kube-apiserver lists them; `sinceId` reads only newer ones (a watch). */
  async listEvents(
    namespace: string | null,
    options: ListOptions,
    sinceId = 0,
  ): Promise<CoreV1Event[]> {
    const match = this.matcher(options, EVENT_FIELDS);
    const ctx = await this.kubeContext();
    const found: CoreV1Event[] = [];
    // the events service pages newest first; a watch reads only what is newer than it saw
    for (let before: number | undefined; ;) {
      const page = await this.events.list({
        limit: PAGE,
        after: before,
        namespace: namespace ?? undefined,
      });
      const fresh = page.filter((e) => Number(e.id) > sinceId);
      found.push(...fresh.map((e) => toKubeEvent(ctx, e)));
      if (page.length < PAGE || fresh.length < page.length) break;
      before = Number(page[page.length - 1].id);
    }
    // `kubectl describe` asks by uid: the objects named in these events are looked up for it
    if (options.fieldSelector?.includes('involvedObject.uid')) await this.fillUids(ctx, found);
    return found.reverse().filter((e) => match(e.metadata.labels ?? {}, eventFields(e)));
  }

  private async fillUids(ctx: KubeContext, events: CoreV1Event[]): Promise<void> {
    const uids = new Map<string, string | undefined>();
    for (const e of events) {
      const { kind, name, namespace } = e.involvedObject;
      const key = `${kind}/${namespace}/${name}`;
      const table = WORKLOAD_TABLES[String(kind)];
      if (!uids.has(key) && table) {
        // a workload keeps the uid it was made with
        const row = await this.workloads.find(table, namespace ?? DEFAULT_NAMESPACE, name!);
        uids.set(key, row?.uid);
      }
      if (!uids.has(key)) {
        const row =
          kind === 'Node'
            ? await this.nodesRepository.findNode(name!)
            : kind === 'Pod'
              ? await this.podsRepository.findPod(name!, namespace ?? DEFAULT_NAMESPACE)
              : null;
        uids.set(
          key,
          row && row.name === name
            ? uidOf(ctx, String(kind).toLowerCase(), row.id, row.created_at)
            : undefined,
        );
      }
      const uid = uids.get(key);
      if (uid) e.involvedObject.uid = uid;
    }
  }

  /** `resource` names it in a 404 as its group does (`events.events.k8s.io`). */
  async getEvent(namespace: string, name: string, resource = 'events'): Promise<CoreV1Event> {
    const found = (await this.listEvents(namespace, {})).find((e) => e.metadata.name === name);
    if (!found) throw KubeError.notFound(resource, name);
    return found;
  }

  // ---- helpers

  async requireNamespace(name: string): Promise<NamespaceRecord> {
    const row = await this.namespaces.find(name);
    if (!row) throw KubeError.notFound('namespaces', name);
    return row;
  }

  private pod(ctx: KubeContext, p: PodRecord): V1Pod {
    return toKubePod(ctx, p, p.node_id !== null ? nodeAddress(p.node_id) : undefined);
  }

  private matcher(options: ListOptions, fields: readonly string[]) {
    try {
      const labels = parseLabelSelector(options.labelSelector);
      const byField = parseFieldSelector(options.fieldSelector, fields);
      return (l: Record<string, string>, f: Record<string, string | undefined>) =>
        labels(l) && byField(f);
    } catch (err) {
      if (err instanceof SelectorError) throw new KubeError(400, err.message);
      throw err;
    }
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

function eventFields(e: CoreV1Event): Record<string, string | undefined> {
  return {
    'metadata.name': e.metadata.name,
    'metadata.namespace': e.metadata.namespace,
    'involvedObject.kind': e.involvedObject.kind,
    'involvedObject.name': e.involvedObject.name,
    'involvedObject.namespace': e.involvedObject.namespace,
    'involvedObject.uid': e.involvedObject.uid,
    'involvedObject.apiVersion': e.involvedObject.apiVersion,
    'involvedObject.resourceVersion': e.involvedObject.resourceVersion,
    'involvedObject.fieldPath': e.involvedObject.fieldPath,
    reason: e.reason,
    type: e.type,
    source: e.source?.component,
    reportingComponent: e.reportingComponent,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a node patch changes: spec.unschedulable and spec.taints (undefined: untouched). */
export interface NodeChange {
  unschedulable?: boolean;
  /** the whole list as sent (null: removed), state taints still in it */
  taints?: unknown;
}

/**
 * spec.unschedulable and spec.taints as a patch sets them: `kubectl cordon` sends the one,
 * `kubectl taint` the other (a strategic merge patch with the whole list). Merge and
 * strategic merge patches set or remove (null) them; a JSON patch adds, replaces or removes
 * /spec/unschedulable or /spec/taints. Any other change is refused (422), never ignored.
 */
/** What changing anything of a node but its cordon and taints is answered. */
function nodeRefusal(name: string, field: string): KubeError {
  return KubeError.invalid('Node', name, [
    {
      field,
      message:
        'Forbidden: kubesim changes only spec.unschedulable and spec.taints through this API',
    },
  ]);
}

export function nodeChangeFromPatch(contentType: string, patch: unknown, node: V1Node): NodeChange {
  const name = node.metadata!.name!;
  const refuse = (field: string) => nodeRefusal(name, field);
  const change: NodeChange = {};
  if (contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(patch))
      throw new KubeError(400, 'a JSON patch must be an array of operations');
    for (const op of patch as Array<Record<string, unknown>>) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
        throw new KubeError(400, 'invalid JSON patch operation');
      if (op.op === 'test') continue;
      if (op.path === '/spec/taints') {
        if (op.op === 'remove') change.taints = null;
        else if (op.op === 'add' || op.op === 'replace') change.taints = op.value;
        else throw new KubeError(422, 'spec.taints must be set to a list', 'Invalid');
        continue;
      }
      if (op.path !== '/spec/unschedulable') throw refuse(op.path.slice(1).replace(/\//g, '.'));
      if (op.op === 'remove') change.unschedulable = false;
      else if ((op.op === 'add' || op.op === 'replace') && typeof op.value === 'boolean')
        change.unschedulable = op.value;
      else throw new KubeError(422, 'spec.unschedulable must be set to a boolean', 'Invalid');
    }
    return change;
  }
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'spec' && isObject(value)) {
      for (const [field, v] of Object.entries(value)) {
        if (field === 'taints') {
          change.taints = v;
          continue;
        }
        if (field !== 'unschedulable') throw refuse(`spec.${field}`);
        if (v === null || v === false) change.unschedulable = false;
        else if (v === true) change.unschedulable = true;
        else throw new KubeError(422, 'spec.unschedulable must be a boolean', 'Invalid');
      }
    } else if (key === 'metadata' && isObject(value)) {
      // kubectl sends what it compared against; equal names and versions change nothing
      for (const field of Object.keys(value))
        if (!['name', 'resourceVersion', 'uid'].includes(field)) throw refuse(`metadata.${field}`);
    } else if (key !== 'apiVersion' && key !== 'kind') {
      throw refuse(key);
    }
  }
  return change;
}

/** spec.unschedulable as a patch sets it (see `nodeChangeFromPatch`). */
export function unschedulableFromPatch(
  contentType: string,
  patch: unknown,
  node: V1Node,
): boolean | undefined {
  return nodeChangeFromPatch(contentType, patch, node).unschedulable;
}

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** The labels and annotations a patch leaves a pod with; any other change is a 422. */
/** Whether two values are the same once written as JSON (undefined fields dropped). */
function sameJson(a: unknown, b: unknown): boolean {
  const json = (v: unknown) => JSON.parse(JSON.stringify(v ?? {})) as unknown;
  return isDeepStrictEqual(json(a), json(b));
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

export function patchMetadata(
  contentType: string,
  patch: unknown,
  pod: V1Pod,
  kind: 'Pod' | 'Namespace' = 'Pod',
): { labels: Record<string, unknown>; annotations: Record<string, unknown> } {
  const name = pod.metadata!.name!;
  const labels: Record<string, unknown> = { ...(pod.metadata?.labels ?? {}) };
  const annotations: Record<string, unknown> = { ...(pod.metadata?.annotations ?? {}) };
  delete annotations['kubesim.io/pod-id'];
  const refuse = (field: string) =>
    KubeError.invalid(kind, name, [
      {
        field,
        message: `Forbidden: kubesim changes only metadata.labels and metadata.annotations of a ${kind.toLowerCase()}`,
      },
    ]);
  const maps: Record<string, Record<string, unknown>> = { labels, annotations };
  if (contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(patch))
      throw new KubeError(400, 'a JSON patch must be an array of operations');
    for (const op of patch as Array<Record<string, unknown>>) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
        throw new KubeError(400, 'invalid JSON patch operation');
      if (op.op === 'test') continue;
      const m = /^\/metadata\/(labels|annotations)(?:\/(.+))?$/.exec(op.path);
      if (!m) throw refuse(op.path.slice(1).replace(/\//g, '.'));
      const map = maps[m[1]];
      if (m[2] === undefined) {
        for (const k of Object.keys(map)) delete map[k];
        if (op.op !== 'remove' && isObject(op.value)) Object.assign(map, op.value);
      } else if (op.op === 'remove') delete map[unescapePointer(m[2])];
      else if (op.op === 'add' || op.op === 'replace') map[unescapePointer(m[2])] = op.value;
      else throw new KubeError(422, `unsupported JSON patch operation "${op.op}"`, 'Invalid');
    }
    return { labels, annotations };
  }
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (key !== 'metadata' || !isObject(value)) throw refuse(key);
    for (const [field, v] of Object.entries(value)) {
      if (field === 'labels' || field === 'annotations') {
        if (v === null) {
          for (const k of Object.keys(maps[field])) delete maps[field][k];
          continue;
        }
        if (!isObject(v)) throw new KubeError(422, `metadata.${field} must be a map`, 'Invalid');
        for (const [k, val] of Object.entries(v)) {
          if (val === null) delete maps[field][k];
          else maps[field][k] = val;
        }
      } else if (!['name', 'namespace', 'resourceVersion', 'uid'].includes(field)) {
        throw refuse(`metadata.${field}`);
      }
    }
  }
  return { labels, annotations };
}
