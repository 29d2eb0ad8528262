import type { FastifyReply } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { KubeContextService } from './kube-context.service';
import { includeObject, KubeObject, KubeQuery, sendList, wantsTable } from './kube-list';
import { TableOf, toTable } from './kube-table';

/** How every core/v1 kind's controller answers a read: one object, or a list or watch. */
export abstract class KubeCoreKindController {
  constructor(
    protected readonly kube: KubeContextService,
    protected readonly bus: ClusterBus,
  ) {}

  protected one<T extends KubeObject>(object: T, table: TableOf<T>, accept: string, q: KubeQuery) {
    return wantsTable(accept)
      ? toTable(table, [object], object.metadata?.resourceVersion ?? '', includeObject(q))
      : object;
  }

  protected list<T extends KubeObject>(
    reply: FastifyReply,
    q: KubeQuery,
    accept: string,
    kind: string,
    table: TableOf<T>,
    read: () => Promise<T[]>,
    extra: { volatile?: (o: T) => unknown } = {},
  ): Promise<void> {
    return sendList(reply, this.bus, q, accept, {
      apiVersion: 'v1',
      kind,
      table,
      read,
      resourceVersion: this.kube.listVersion(),
      volatile: extra.volatile,
    });
  }
}
