import {
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
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ConflictError } from '../common/errors';
import { WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { ClusterBus } from '../events/cluster-bus';
import { applyPatch, PatchError } from '../workloads/object-patch';
import { HorizontalPodAutoscalerService } from '../workloads/horizontal-pod-autoscaler.service';
import {
  AUTOSCALING_API_GROUP,
  HPA_RESOURCES,
  HPA_TABLE,
  HPA_VERSIONS,
  HpaVersion,
  readHpaManifest,
  toHpaObject,
} from './kube-autoscaling';
import { jsonBody } from './request-bodies';
import { includeObject, KubeQuery, sendList, wantsTable } from './kube-list';
import { DryRunGuard, SupportsDryRun } from './dry-run.guard';
import { KubeError, KubeStatusFilter } from './kube-status';
import { checkReplaceBody } from './replace-body';
import { decodeHorizontalPodAutoscalerV1, ProtobufError } from './protobuf';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';
import { toTable } from './kube-table';

const TABLE = 'horizontal_pod_autoscalers';
const RESOURCE = 'horizontalpodautoscalers.autoscaling';

function versionOf(text: string): HpaVersion {
  if ((HPA_VERSIONS as readonly string[]).includes(text)) return text as HpaVersion;
  throw new KubeError(404, 'the server could not find the requested resource');
}

function resourceOf(text: string): void {
  if (text !== 'horizontalpodautoscalers')
    throw new KubeError(404, 'the server could not find the requested resource');
}

/** A body as JSON: the protobuf `kubectl autoscale` sends (autoscaling/v1) is read too. */
function bodyOf(version: HpaVersion, body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  if (version !== 'v1')
    throw new KubeError(
      415,
      'kubesim takes JSON bodies only (application/json) for autoscaling/v2',
    );
  try {
    return decodeHorizontalPodAutoscalerV1(body);
  } catch (err) {
    if (err instanceof ProtobufError)
      throw new KubeError(400, `the protobuf body could not be read: ${err.message}`);
    throw err;
  }
}

/**
 * The autoscaling group: HorizontalPodAutoscalers in v2 (preferred) and v1, stored once
 * (as v2) and scaled by the controller in `src/workloads`.
 */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('apis/autoscaling')
export class KubeAutoscalingController {
  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly autoscalers: HorizontalPodAutoscalerService,
    private readonly bus: ClusterBus,
  ) {}

  @Get()
  getAutoscalingGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...AUTOSCALING_API_GROUP };
  }

  @Get(':version')
  getAutoscalingResources(@Param('version') version: string) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `autoscaling/${versionOf(version)}`,
      resources: HPA_RESOURCES,
    };
  }

  @Get(':version/:resource')
  async listAllKubeAutoscalers(
    @Param('version') version: string,
    @Param('resource') resource: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    resourceOf(resource);
    await this.list(reply, versionOf(version), null, q, accept);
  }

  @Get(':version/namespaces/:namespace/:resource')
  async listKubeAutoscalers(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    resourceOf(resource);
    await this.list(reply, versionOf(version), namespace, q, accept);
  }

  @Get(':version/namespaces/:namespace/:resource/:name')
  async getKubeAutoscaler(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
  ) {
    resourceOf(resource);
    const o = toHpaObject(versionOf(version), await this.row(namespace, name));
    return wantsTable(accept)
      ? toTable(HPA_TABLE, [o], o.metadata.resourceVersion, includeObject(q))
      : o;
  }

  @Get(':version/namespaces/:namespace/:resource/:name/status')
  getKubeAutoscalerStatus(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
  ) {
    return this.getKubeAutoscaler(version, namespace, resource, name, q, accept);
  }

  @Post(':version/namespaces/:namespace/:resource')
  @HttpCode(201)
  @SupportsDryRun()
  async createKubeAutoscaler(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
  ) {
    resourceOf(resource);
    const v = versionOf(version);
    const hpa = readHpaManifest(v, namespace, bodyOf(v, body));
    if (q.dryRun === 'All') {
      const now = new Date();
      return toHpaObject(v, {
        id: 0,
        namespace,
        name: hpa.name,
        uid: '',
        generation: '1',
        resource_version: '0',
        labels: hpa.labels,
        annotations: hpa.annotations,
        owner_references: [],
        finalizers: [],
        spec: hpa.spec,
        status: {},
        created_at: now,
        updated_at: now,
        deletion_timestamp: null,
      });
    }
    try {
      const row = await this.repo.insert(TABLE, { namespace, ownerReferences: [], ...hpa });
      this.autoscalers.poke();
      return toHpaObject(v, row);
    } catch (err) {
      if (err instanceof ConflictError) throw KubeError.alreadyExists(RESOURCE, hpa.name);
      throw err;
    }
  }

  /** `kubectl replace`: the whole object again; a stale `resourceVersion` is a Conflict. */
  @Put(':version/namespaces/:namespace/:resource/:name')
  @SupportsDryRun()
  async replaceKubeAutoscaler(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
  ) {
    resourceOf(resource);
    const v = versionOf(version);
    const current = toHpaObject(v, await this.row(namespace, name));
    const manifest = checkReplaceBody(bodyOf(v, body), {
      kind: 'HorizontalPodAutoscaler',
      resource: RESOURCE,
      name,
      namespace,
      resourceVersion: current.metadata.resourceVersion,
    });
    return this.write(v, namespace, name, manifest, q.dryRun === 'All');
  }

  /** `kubectl patch|edit|label|annotate hpa`: JSON, merge or strategic merge patch. */
  @Patch(':version/namespaces/:namespace/:resource/:name')
  @SupportsDryRun()
  async patchKubeAutoscaler(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
    @Query() q: KubeQuery,
  ) {
    resourceOf(resource);
    const v = versionOf(version);
    const current = toHpaObject(v, await this.row(namespace, name));
    const type = (contentType ?? '').toLowerCase();
    let after: any;
    try {
      after = applyPatch({ ...current, status: undefined }, type, jsonBody(patch));
    } catch (err) {
      if (err instanceof PatchError)
        throw type.startsWith('application/')
          ? new KubeError(422, err.message, 'Invalid')
          : new KubeError(415, err.message);
      throw err;
    }
    if (after?.metadata) delete after.metadata.resourceVersion;
    return this.write(v, namespace, name, after, q.dryRun === 'All');
  }

  @Delete(':version/namespaces/:namespace/:resource/:name')
  async deleteKubeAutoscaler(
    @Param('version') version: string,
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
  ) {
    resourceOf(resource);
    versionOf(version);
    const row = await this.row(namespace, name);
    await this.repo.remove(TABLE, row.id);
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: 'autoscaling', kind: 'horizontalpodautoscalers', uid: row.uid },
    };
  }

  /** Stores a new spec, labels and annotations over the row of that name (its status is the controller's). */
  private async write(
    version: HpaVersion,
    namespace: string,
    name: string,
    body: unknown,
    dryRun: boolean,
  ) {
    const before = await this.row(namespace, name);
    const hpa = readHpaManifest(version, namespace, body);
    if (hpa.name !== name)
      throw new KubeError(
        400,
        `the name of the object (${hpa.name}) does not match the name on the URL (${name})`,
        'BadRequest',
      );
    const next = { labels: hpa.labels, annotations: hpa.annotations, spec: hpa.spec };
    if (dryRun) return toHpaObject(version, { ...before, ...next } as WorkloadRow);
    const row = await this.repo.update(TABLE, namespace, name, {
      ...next,
      ownerReferences: before.owner_references ?? [],
    });
    if (!row) throw KubeError.notFound(RESOURCE, name);
    this.autoscalers.poke();
    return toHpaObject(version, row);
  }

  private async row(namespace: string, name: string) {
    const row = await this.repo.find(TABLE, namespace, name);
    if (!row) throw KubeError.notFound(RESOURCE, name);
    return row;
  }

  private async list(
    reply: FastifyReply,
    version: HpaVersion,
    namespace: string | null,
    q: KubeQuery,
    accept: string,
  ) {
    let byLabel: ReturnType<typeof parseLabelSelector>;
    let byField: ReturnType<typeof parseFieldSelector>;
    try {
      byLabel = parseLabelSelector(q.labelSelector);
      byField = parseFieldSelector(q.fieldSelector, ['metadata.name', 'metadata.namespace']);
    } catch (err) {
      if (err instanceof SelectorError) throw new KubeError(400, err.message);
      throw err;
    }
    const read = async () =>
      (await this.repo.list(TABLE, namespace ?? undefined))
        .filter(
          (r) =>
            byLabel(r.labels ?? {}) &&
            byField({ 'metadata.name': r.name, 'metadata.namespace': r.namespace }),
        )
        .map((r) => toHpaObject(version, r));
    // `kubectl get hpa -w` too: what changes, as the other kinds are watched
    return sendList(reply, this.bus, q, accept, {
      apiVersion: `autoscaling/${version}`,
      kind: 'HorizontalPodAutoscalerList',
      table: HPA_TABLE,
      read,
    });
  }
}
