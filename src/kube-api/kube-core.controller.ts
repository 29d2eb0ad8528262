import {
  All,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { CoreV1Event, V1Node, V1ObjectMeta } from '@kubernetes/client-node';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClusterBus } from '../events/cluster-bus';
import { KubeApiService, ListOptions } from './kube-api.service';
import {
  EVENT_TABLE,
  NAMESPACE_TABLE,
  NODE_TABLE,
  POD_TABLE,
  TableOf,
  toTable,
} from './kube-table';
import { DryRunGuard, SupportsDryRun } from './dry-run.guard';
import {
  includeObject,
  isWatch,
  KubeQuery,
  sendList,
  sendPage,
  since,
  timeoutSeconds,
  wantsTable,
  watchEncoder,
} from './kube-list';
import { KubeError, KubeStatusFilter } from './kube-status';
import { streamWatch } from './kube-watch';
import { ContainerLogsRepository } from '../database/container-logs.repository';
import { PodsRepository } from '../database/pods.repository';
import { endLogStreams, logFlag, logNumber, LogRequestError, sendLogs } from '../pods/pod-logs';
import {
  decodeDeployment,
  decodeJob,
  decodeNamespace,
  decodeObject,
  ProtobufError,
} from './protobuf';

export interface KubeObject {
  kind?: string;
  apiVersion?: string;
  metadata?: V1ObjectMeta;
}

/** Bodies kubesim reads are JSON; protobuf (kubectl's typed clients) is refused as kube-apiserver would a type it lacks. */
export function jsonBody(body: unknown): unknown {
  if (Buffer.isBuffer(body))
    throw new KubeError(
      415,
      'kubesim takes JSON bodies only (application/json); protobuf is not supported',
    );
  return body;
}

/** A Namespace body: JSON, or the protobuf `kubectl create namespace` sends. */
function namespaceBody(body: unknown): unknown {
  return protobufBody(body, decodeNamespace);
}

/** A Job body: JSON, or the protobuf `kubectl create job` sends. */
export function jobBody(body: unknown): unknown {
  return protobufBody(body, decodeJob);
}

/** A Deployment body: JSON, or the protobuf `kubectl create deployment` sends. */
export function deploymentBody(body: unknown): unknown {
  return protobufBody(body, decodeDeployment);
}

function protobufBody(body: unknown, decode: (b: Buffer) => unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return decode(body);
  } catch (err) {
    if (err instanceof ProtobufError)
      throw new KubeError(400, `the protobuf body could not be read: ${err.message}`);
    throw err;
  }
}

/** An Eviction body: JSON, or the protobuf `kubectl drain` sends. */
function evictionBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return decodeObject(body, { apiVersion: 'policy/v1', kind: 'Eviction' });
  } catch (err) {
    if (err instanceof ProtobufError)
      throw new KubeError(400, `the protobuf body could not be read: ${err.message}`);
    throw err;
  }
}

const options = (q: KubeQuery): ListOptions => ({
  labelSelector: q.labelSelector,
  fieldSelector: q.fieldSelector,
});

/** The core group (`/api/v1`): nodes, pods, namespaces and events over kubesim's own objects. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('api/v1')
export class KubeCoreController {
  constructor(
    private readonly kube: KubeApiService,
    private readonly bus: ClusterBus,
    private readonly containerLogs: ContainerLogsRepository,
    private readonly podsRepository: PodsRepository,
  ) {}

  // ---- nodes

  @Get('nodes')
  async listKubeNodes(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(
      reply,
      q,
      accept,
      'NodeList',
      NODE_TABLE,
      () => this.kube.listNodes(options(q)),
      {
        volatile: withoutHeartbeat,
      },
    );
  }

  @Get('nodes/:name')
  async getKubeNode(
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kube.getNode(name), NODE_TABLE, accept, q);
  }

  @Patch('nodes/:name')
  patchKubeNode(
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kube.patchNode(name, (contentType ?? '').toLowerCase(), jsonBody(patch));
  }

  @Put('nodes/:name')
  replaceKubeNode(@Param('name') name: string, @Body() body: unknown) {
    return this.kube.replaceNode(name, jsonBody(body));
  }

  @Delete('nodes/:name')
  deleteKubeNode(@Param('name') name: string) {
    return this.kube.deleteNode(name);
  }

  // ---- pods

  @Get('pods')
  async listAllKubePods(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, 'PodList', POD_TABLE, () =>
      this.kube.listPods(null, options(q)),
    );
  }

  @Get('namespaces/:namespace/pods')
  async listKubePods(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, 'PodList', POD_TABLE, () =>
      this.kube.listPods(namespace, options(q)),
    );
  }

  @Get('namespaces/:namespace/pods/:name')
  async getKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kube.getPod(namespace, name), POD_TABLE, accept, q);
  }

  /** `kubectl logs`: plain text; `follow=true` streams until the pod ends or the client leaves. */
  @Get('namespaces/:namespace/pods/:name/log')
  async getKubePodLog(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Query() q: KubeQuery,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const pod = await this.kube.podRecord(namespace, name);
    try {
      await sendLogs(this.containerLogs, this.podsRepository, reply, pod, {
        container: q.container,
        follow: logFlag(q.follow),
        tailLines: logNumber('tailLines', q.tailLines, 0),
        sinceSeconds: logNumber('sinceSeconds', q.sinceSeconds, 1),
        timestamps: logFlag(q.timestamps),
        previous: logFlag(q.previous),
      });
    } catch (err) {
      if (err instanceof LogRequestError) throw new KubeError(400, err.message);
      throw err;
    }
  }

  /** Before the HTTP server stops: `logs -f` streams end, or it would wait for them. */
  beforeApplicationShutdown(): void {
    endLogStreams();
  }

  @Post('namespaces/:namespace/pods')
  @SupportsDryRun()
  @HttpCode(201)
  async createKubePod(
    @Param('namespace') namespace: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { pod, warnings } = await this.kube.createPod(namespace, jsonBody(body), q);
    // kubectl prints each as "Warning: unknown field …"
    if (warnings.length)
      void reply.header(
        'Warning',
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
    return pod;
  }

  @Patch('namespaces/:namespace/pods/:name')
  patchKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kube.patchPod(namespace, name, (contentType ?? '').toLowerCase(), jsonBody(patch));
  }

  @Put('namespaces/:namespace/pods/:name')
  replaceKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.kube.replacePod(namespace, name, jsonBody(body));
  }

  /** policy/v1 Eviction, as `kubectl drain` posts for each pod: the pod is deleted. */
  @Post('namespaces/:namespace/pods/:name/eviction')
  @HttpCode(201)
  evictKubePod(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.kube.evictPod(namespace, name, evictionBody(body));
  }

  @Delete('namespaces/:namespace/pods/:name')
  deleteKubePod(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.kube.deletePod(namespace, name);
  }

  // ---- namespaces

  @Get('namespaces')
  async listKubeNamespaces(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, 'NamespaceList', NAMESPACE_TABLE, () =>
      this.kube.listNamespaces(options(q)),
    );
  }

  @Get('namespaces/:name')
  async getKubeNamespace(
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kube.getNamespace(name), NAMESPACE_TABLE, accept, q);
  }

  @Post('namespaces')
  @HttpCode(201)
  async createKubeNamespace(
    @Body() body: unknown,
    @Query() q: KubeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { namespace, warnings } = await this.kube.createNamespace(namespaceBody(body), q);
    if (warnings.length)
      void reply.header(
        'Warning',
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
    return namespace;
  }

  @Patch('namespaces/:name')
  patchKubeNamespace(
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kube.patchNamespace(name, (contentType ?? '').toLowerCase(), jsonBody(patch));
  }

  /** 200 with the namespace, Terminating: it goes once its pods are deleted. */
  @Put('namespaces/:name')
  replaceKubeNamespace(@Param('name') name: string, @Body() body: unknown) {
    return this.kube.replaceNamespace(name, namespaceBody(body));
  }

  @Delete('namespaces/:name')
  deleteKubeNamespace(@Param('name') name: string) {
    return this.kube.deleteNamespace(name);
  }

  // ---- events

  @Get('events')
  async listAllKubeEvents(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.listEvents(reply, null, q, accept);
  }

  @Get('namespaces/:namespace/events')
  async listKubeEvents(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.listEvents(reply, namespace, q, accept);
  }

  @Get('namespaces/:namespace/events/:name')
  async getKubeEvent(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kube.getEvent(namespace, name), EVENT_TABLE, accept, q);
  }

  /** A path of this group kubesim does not serve: 405 for a known resource, else 404. */
  @All('*')
  notServed(@Req() req: FastifyRequest): never {
    const path = req.url.split('?')[0].replace(/^\/api\/v1\/?/, '');
    const known =
      /^(nodes|pods|namespaces|events|services|endpoints)(\/[^/]+)?$|^namespaces\/[^/]+\/(pods|events|services|endpoints)(\/[^/]+)?$/;
    if (known.test(path)) throw KubeError.methodNotAllowed();
    throw new KubeError(404, 'the server could not find the requested resource');
  }

  // ---- helpers

  private one<T extends KubeObject>(object: T, table: TableOf<T>, accept: string, q: KubeQuery) {
    return wantsTable(accept)
      ? toTable(table, [object], object.metadata?.resourceVersion ?? '', includeObject(q))
      : object;
  }

  private list<T extends KubeObject>(
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

  private listEvents(reply: FastifyReply, namespace: string | null, q: KubeQuery, accept: string) {
    return sendEvents(this.kube, this.bus, reply, namespace, q, accept, CORE_EVENTS);
  }
}

/** How events are shown: as core/v1 stores them, or another group's view of the same ones. */
export interface EventView<T extends KubeObject> {
  listKind: string;
  apiVersion: string;
  table: TableOf<T>;
  show(event: CoreV1Event): T;
}

const CORE_EVENTS: EventView<CoreV1Event> = {
  listKind: 'EventList',
  apiVersion: 'v1',
  table: EVENT_TABLE,
  show: (e) => e,
};

/**
 * A list or watch of events in one view; `q.fieldSelector` in core/v1's field labels. A watch
 * is append-only (an event never changes): each read asks only for events newer than it sent.
 */
export async function sendEvents<T extends KubeObject>(
  kube: KubeApiService,
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
    await kube.listEvents(namespace, options(q), Number.MAX_SAFE_INTEGER);
    let seen = from ?? 0;
    streamWatch(reply, bus, {
      appendOnly: true,
      since: from,
      timeoutSeconds: timeoutSeconds(q),
      list: async () => {
        const fresh = await kube.listEvents(namespace, options(q), seen);
        for (const e of fresh) seen = Math.max(seen, Number(e.metadata.resourceVersion));
        return fresh.map((e) => view.show(e));
      },
      encode,
    });
    return;
  }
  const all = await kube.listEvents(namespace, options(q));
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

/** A node's heartbeat time changes every beat; only other changes are worth a MODIFIED. */
function withoutHeartbeat(node: V1Node) {
  return {
    ...node,
    metadata: { ...node.metadata, resourceVersion: undefined },
    status: {
      ...node.status,
      conditions: node.status?.conditions?.map((c) => ({ ...c, lastHeartbeatTime: undefined })),
    },
  };
}
