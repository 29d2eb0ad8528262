import { Injectable } from '@nestjs/common';
import type { CoreV1Event, V1Namespace, V1Node, V1Pod } from '@kubernetes/client-node';
import { ConflictError, NotFoundError } from '../common/errors';
import { ClusterStore } from '../database/cluster-store';
import { PodRecord } from '../database/records';
import { EventsService } from '../events/events.service';
import { NodesService } from '../nodes/nodes.service';
import { PodsService } from '../pods/pods.service';
import {
  DEFAULT_NAMESPACE,
  KubeContext,
  NAMESPACES,
  nodeAddress,
  toKubeEvent,
  toKubeNamespace,
  toKubeNode,
  toKubePod,
  uidOf,
} from './kube-objects';
import { checkPodFields, fieldValidation } from './field-validation';
import { KubeError } from './kube-status';
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
  'reason',
  'type',
  'source',
  'reportingComponent',
] as const;

/** How many rows one page of kubesim's own listing reads while the Kubernetes API gathers all. */
const PAGE = 1000;

/** The Kubernetes API's operations, on kubesim's own services and store. */
@Injectable()
export class KubeApiService {
  private context: Promise<KubeContext> | null = null;

  constructor(
    private readonly store: ClusterStore,
    private readonly nodes: NodesService,
    private readonly pods: PodsService,
    private readonly events: EventsService,
  ) {}

  kubeContext(): Promise<KubeContext> {
    this.context ??= (async () => {
      const clusterId = await this.store.clusterId();
      let created = await this.store.getSetting('cluster.created_at');
      if (!created) {
        created = new Date().toISOString();
        await this.store.putSetting('cluster.created_at', created);
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
    return (await this.store.allNodes())
      .map((n) => toKubeNode(ctx, n))
      .filter((n) =>
        match(n.metadata!.labels ?? {}, {
          'metadata.name': n.metadata!.name,
          'spec.unschedulable': String(n.spec?.unschedulable ?? false),
        }),
      );
  }

  async getNode(name: string): Promise<V1Node> {
    const node = await this.store.findNode(name);
    if (!node || node.name !== name) throw KubeError.notFound('nodes', name);
    return toKubeNode(await this.kubeContext(), node);
  }

  /**
   * The one change kubesim takes on a node through this API: spec.unschedulable, which is
   * what `kubectl cordon` and `uncordon` send (as a strategic merge patch), in any patch type.
   */
  async patchNode(name: string, contentType: string, patch: unknown): Promise<V1Node> {
    const current = await this.getNode(name);
    const unschedulable = unschedulableFromPatch(contentType, patch, current);
    if (unschedulable !== undefined && unschedulable !== !!current.spec?.unschedulable) {
      await this.nodes.setCordoned(name, unschedulable);
    }
    return this.getNode(name);
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
    if (namespace !== null && namespace !== DEFAULT_NAMESPACE) return [];
    const rows: PodRecord[] = [];
    for (let after: number | undefined; ;) {
      const page = await this.store.listPods({ after, limit: PAGE, offset: 0 });
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
    const pod = namespace === DEFAULT_NAMESPACE ? await this.store.findPod(name) : null;
    if (!pod || pod.name !== name) throw KubeError.notFound('pods', name);
    return pod;
  }

  async getPod(namespace: string, name: string): Promise<V1Pod> {
    const pod = namespace === DEFAULT_NAMESPACE ? await this.store.findPod(name) : null;
    if (!pod || pod.name !== name) throw KubeError.notFound('pods', name);
    return this.pod(await this.kubeContext(), pod);
  }

  /** A pod from a v1.Pod manifest; `warnings` are the unknown fields fieldValidation=Warn reports. */
  async createPod(
    namespace: string,
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): Promise<{ pod: V1Pod; warnings: string[] }> {
    this.requireNamespace(namespace);
    if (namespace !== DEFAULT_NAMESPACE)
      throw new KubeError(
        403,
        `kubesim keeps pods in the "${DEFAULT_NAMESPACE}" namespace only, not in "${namespace}"`,
        'Forbidden',
      );
    if (query.dryRun !== undefined)
      throw new KubeError(400, 'dryRun is not supported by kubesim yet');
    const unknown = checkPodFields(body, fieldValidation(query.fieldValidation));
    const { dto, labels, annotations } = podManifestToCreate(body, namespace);
    if (await this.store.findPod(dto.name)) throw KubeError.alreadyExists('pods', dto.name);
    try {
      const created = await this.pods.createPod(dto, { labels, annotations });
      const pod = await this.getPod(namespace, created.name);
      return { pod, warnings: unknown.map((f) => `unknown field "${f}"`) };
    } catch (err) {
      if (err instanceof ConflictError && /already exists/.test(err.message))
        throw KubeError.alreadyExists('pods', dto.name);
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
    if (!(await this.store.setPodMetadata(id, checked.labels, checked.annotations)))
      throw KubeError.notFound('pods', name);
    return this.getPod(namespace, name);
  }

  async deletePod(namespace: string, name: string): Promise<V1Pod> {
    const pod = await this.getPod(namespace, name);
    try {
      await this.pods.deletePod(name);
    } catch (err) {
      if (err instanceof NotFoundError) throw KubeError.notFound('pods', name);
      throw err;
    }
    return pod;
  }

  // ---- namespaces

  async listNamespaces(options: ListOptions): Promise<V1Namespace[]> {
    const ctx = await this.kubeContext();
    const match = this.matcher(options, NAMESPACE_FIELDS);
    return NAMESPACES.map((n) => toKubeNamespace(ctx, n)).filter((ns) =>
      match(ns.metadata!.labels ?? {}, {
        'metadata.name': ns.metadata!.name,
        'status.phase': 'Active',
      }),
    );
  }

  async getNamespace(name: string): Promise<V1Namespace> {
    this.requireNamespace(name);
    return toKubeNamespace(await this.kubeContext(), name);
  }

  // ---- events

  /** Oldest first, as kube-apiserver lists them; `sinceId` reads only newer ones (a watch). */
  async listEvents(
    namespace: string | null,
    options: ListOptions,
    sinceId = 0,
  ): Promise<CoreV1Event[]> {
    const match = this.matcher(options, EVENT_FIELDS);
    if (namespace !== null && namespace !== DEFAULT_NAMESPACE) return [];
    const ctx = await this.kubeContext();
    const found: CoreV1Event[] = [];
    // the events service pages newest first; a watch reads only what is newer than it saw
    for (let before: number | undefined; ;) {
      const page = await this.events.list({ limit: PAGE, after: before });
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
      const { kind, name } = e.involvedObject;
      const key = `${kind}/${name}`;
      if (!uids.has(key)) {
        const row =
          kind === 'Node'
            ? await this.store.findNode(name!)
            : kind === 'Pod'
              ? await this.store.findPod(name!)
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

  async getEvent(namespace: string, name: string): Promise<CoreV1Event> {
    const found = (await this.listEvents(namespace, {})).find((e) => e.metadata.name === name);
    if (!found) throw KubeError.notFound('events', name);
    return found;
  }

  // ---- helpers

  requireNamespace(name: string): void {
    if (!NAMESPACES.includes(name)) throw KubeError.notFound('namespaces', name);
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
    reason: e.reason,
    type: e.type,
    source: e.source?.component,
    reportingComponent: e.reportingComponent,
  };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * spec.unschedulable as a patch sets it: true, false, or null (removed) for merge and
 * strategic merge patches; add/replace/remove of /spec/unschedulable for a JSON patch.
 * Any other change is refused (422), never ignored.
 */
export function unschedulableFromPatch(
  contentType: string,
  patch: unknown,
  node: V1Node,
): boolean | undefined {
  const name = node.metadata!.name!;
  const refuse = (field: string) =>
    KubeError.invalid('Node', name, [
      { field, message: 'Forbidden: kubesim changes only spec.unschedulable through this API' },
    ]);
  if (contentType.startsWith('application/json-patch+json')) {
    if (!Array.isArray(patch))
      throw new KubeError(400, 'a JSON patch must be an array of operations');
    let result: boolean | undefined;
    for (const op of patch as Array<Record<string, unknown>>) {
      if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string')
        throw new KubeError(400, 'invalid JSON patch operation');
      if (op.op === 'test') continue;
      if (op.path !== '/spec/unschedulable') throw refuse(op.path.slice(1).replace(/\//g, '.'));
      if (op.op === 'remove') result = false;
      else if ((op.op === 'add' || op.op === 'replace') && typeof op.value === 'boolean')
        result = op.value;
      else throw new KubeError(422, 'spec.unschedulable must be set to a boolean', 'Invalid');
    }
    return result;
  }
  if (!isObject(patch)) throw new KubeError(400, 'the patch must be a JSON object');
  let result: boolean | undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'spec' && isObject(value)) {
      for (const [field, v] of Object.entries(value)) {
        if (field !== 'unschedulable') throw refuse(`spec.${field}`);
        if (v === null || v === false) result = false;
        else if (v === true) result = true;
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
  return result;
}

const unescapePointer = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');

/** The labels and annotations a patch leaves a pod with; any other change is a 422. */
export function patchMetadata(
  contentType: string,
  patch: unknown,
  pod: V1Pod,
): { labels: Record<string, unknown>; annotations: Record<string, unknown> } {
  const name = pod.metadata!.name!;
  const labels: Record<string, unknown> = { ...(pod.metadata?.labels ?? {}) };
  const annotations: Record<string, unknown> = { ...(pod.metadata?.annotations ?? {}) };
  delete annotations['kubesim.io/pod-id'];
  const refuse = (field: string) =>
    KubeError.invalid('Pod', name, [
      {
        field,
        message:
          'Forbidden: kubesim changes only metadata.labels and metadata.annotations of a pod',
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
