import type { CoreV1Event } from '@kubernetes/client-node';
import type { FastifyReply } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { KubeEventsService } from './kube-events.service';
import {
  isWatch,
  KubeObject,
  KubeQuery,
  sendPage,
  since,
  timeoutSeconds,
  watchEncoder,
} from './kube-list';
import { TableOf } from './kube-table';
import { streamWatch } from './kube-watch';
import { listOptions } from './list-filter';

/** How events are shown: as core/v1 stores them, or another group's view of the same ones. */
export interface EventView<T extends KubeObject> {
  listKind: string;
  apiVersion: string;
  table: TableOf<T>;
  show(event: CoreV1Event): T;
}

/**
 * A list or watch of events in one view; `q.fieldSelector` in core/v1's field labels. A watch
 * is append-only (an event never changes): each read asks only for events newer than it sent.
 */
export async function sendEvents<T extends KubeObject>(
  kube: KubeEventsService,
  bus: ClusterBus,
  reply: FastifyReply,
  namespace: string | null,
  q: KubeQuery,
  accept: string,
  view: EventView<T>,
): Promise<void> {
  const encode = watchEncoder(view.table, q, accept);
  if (isWatch(q)) {
    const from = since(q);
    await kube.listEvents(namespace, listOptions(q), Number.MAX_SAFE_INTEGER);
    let seen = from ?? 0;
    streamWatch(reply, bus, {
      appendOnly: true,
      since: from,
      timeoutSeconds: timeoutSeconds(q),
      list: async () => {
        const fresh = await kube.listEvents(namespace, listOptions(q), seen);
        for (const e of fresh) seen = Math.max(seen, Number(e.metadata.resourceVersion));
        return fresh.map((e) => view.show(e));
      },
      encode,
    });
    return;
  }
  const all = await kube.listEvents(namespace, listOptions(q));
  const resourceVersion = all.length ? all[all.length - 1].metadata.resourceVersion! : '0';
  // events are versioned by their id, not a time: their tokens never expire
  sendPage(
    reply,
    q,
    accept,
    { apiVersion: view.apiVersion, kind: view.listKind, table: view.table },
    all.map((e) => view.show(e)),
    resourceVersion,
    false,
  );
}
