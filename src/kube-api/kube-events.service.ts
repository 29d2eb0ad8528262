import { Injectable } from '@nestjs/common';
import type { CoreV1Event } from '@kubernetes/client-node';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { WorkloadKind, WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { toKubeEvent } from './event-object';
import { KubeContextService } from './kube-context.service';
import { DEFAULT_NAMESPACE, KubeContext, uidOf } from './kube-objects';
import { KubeError } from './kube-status';
import { ListOptions, listMatcher, PAGE } from './list-filter';

/** The tables of the workload kinds an event may be about (for its involvedObject.uid). */
const WORKLOAD_TABLES: Record<string, WorkloadKind> = {
  Deployment: 'deployments',
  ReplicaSet: 'replica_sets',
  DaemonSet: 'daemon_sets',
  Job: 'jobs',
};

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

/** Events through the Kubernetes API: kubesim's events as core/v1 Events, oldest first. */
@Injectable()
export class KubeEventsService {
  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly events: EventsService,
    private readonly workloads: WorkloadsRepository,
    private readonly kube: KubeContextService,
  ) {}

  /** Oldest first, as kube-apiserver lists them; `sinceId` reads only newer ones (a watch). */
  async listEvents(
    namespace: string | null,
    options: ListOptions,
    sinceId = 0,
  ): Promise<CoreV1Event[]> {
    const match = listMatcher(options, EVENT_FIELDS);
    const ctx = await this.kube.kubeContext();
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
