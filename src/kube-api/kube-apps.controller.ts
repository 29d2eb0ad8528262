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
import { ClusterBus } from '../events/cluster-bus';
import { apiVersionOf, APPS_KINDS, AppsResource } from './apps-object';
import { KubeAppsService } from './kube-apps.service';
import { deploymentBody, jobBody, jsonBody } from './request-bodies';
import { includeObject, KubeQuery, sendList, wantsTable } from './kube-list';
import { APPS_TABLES } from './kube-apps-tables';
import { toTable } from './kube-table';
import { fieldValidation } from './field-validation';
import { DryRunGuard, SupportsDryRun } from './dry-run.guard';
import { KubeError, KubeStatusFilter } from './kube-status';

const dryRun = (q: KubeQuery) => q.dryRun === 'All';

/**
 * The handlers every workload group shares (list, get, create, replace, patch, delete,
 * watch, Table output); each group's controller names the resources it serves.
 */
abstract class KubeWorkloadsController {
  protected abstract readonly resources: readonly AppsResource[];

  constructor(
    private readonly apps: KubeAppsService,
    private readonly bus: ClusterBus,
  ) {}

  protected resourceOf(text: string): AppsResource {
    const found = this.resources.find((r) => r === text);
    if (found) return found;
    throw new KubeError(404, 'the server could not find the requested resource');
  }

  @Get(':resource')
  async listAllKubeWorkloads(
    @Param('resource') resource: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, this.resourceOf(resource), null, q, accept);
  }

  @Get('namespaces/:namespace/:resource')
  async listKubeWorkloads(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, this.resourceOf(resource), namespace, q, accept);
  }

  @Get('namespaces/:namespace/:resource/:name')
  async getKubeWorkload(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
  ) {
    const r = this.resourceOf(resource);
    const o = await this.apps.get(r, namespace, name);
    return wantsTable(accept)
      ? toTable(APPS_TABLES[r], [o], o.metadata.resourceVersion, includeObject(q))
      : o;
  }

  @Post('namespaces/:namespace/:resource')
  @HttpCode(201)
  @SupportsDryRun()
  createKubeWorkload(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
  ) {
    const r = this.resourceOf(resource);
    return this.apps.create(
      r,
      namespace,
      r === 'jobs' ? jobBody(body) : r === 'deployments' ? deploymentBody(body) : jsonBody(body),
      dryRun(q),
      fieldValidation(q.fieldValidation),
    );
  }

  @Put('namespaces/:namespace/:resource/:name')
  replaceKubeWorkload(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
  ) {
    return this.apps.replace(
      this.resourceOf(resource),
      namespace,
      name,
      jsonBody(body),
      fieldValidation(q.fieldValidation),
    );
  }

  /** The status subresource: the object as it is, status included (kubectl reads it so). */
  @Get('namespaces/:namespace/:resource/:name/status')
  getKubeWorkloadStatus(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
  ) {
    return this.apps.get(this.resourceOf(resource), namespace, name);
  }

  @Patch('namespaces/:namespace/:resource/:name')
  @SupportsDryRun()
  patchKubeWorkload(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
    @Query() q: KubeQuery,
  ) {
    return this.apps.patch(
      this.resourceOf(resource),
      namespace,
      name,
      (contentType ?? '').toLowerCase(),
      jsonBody(patch),
      dryRun(q),
      fieldValidation(q.fieldValidation),
    );
  }

  @Delete('namespaces/:namespace/:resource/:name')
  deleteKubeWorkload(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Query() q: KubeQuery,
    @Body() body: unknown,
  ) {
    const options = (body && typeof body === 'object' ? body : {}) as {
      propagationPolicy?: string;
      orphanDependents?: boolean;
    };
    const policy =
      q.propagationPolicy ??
      options.propagationPolicy ??
      (options.orphanDependents ? 'Orphan' : undefined);
    return this.apps.delete(this.resourceOf(resource), namespace, name, policy);
  }

  @Get('namespaces/:namespace/:resource/:name/scale')
  getKubeWorkloadScale(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
  ) {
    return this.apps.getScale(this.resourceOf(resource), namespace, name);
  }

  @Put('namespaces/:namespace/:resource/:name/scale')
  replaceKubeWorkloadScale(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.apps.updateScale(this.resourceOf(resource), namespace, name, null, jsonBody(body));
  }

  @Patch('namespaces/:namespace/:resource/:name/scale')
  patchKubeWorkloadScale(
    @Param('namespace') namespace: string,
    @Param('resource') resource: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.apps.updateScale(
      this.resourceOf(resource),
      namespace,
      name,
      (contentType ?? '').toLowerCase(),
      jsonBody(patch),
    );
  }

  private list(
    reply: FastifyReply,
    resource: AppsResource,
    namespace: string | null,
    q: KubeQuery,
    accept: string,
  ) {
    return sendList(reply, this.bus, q, accept, {
      apiVersion: apiVersionOf(resource),
      kind: `${APPS_KINDS[resource].kind}List`,
      table: APPS_TABLES[resource],
      read: () =>
        this.apps.list(resource, namespace, {
          labelSelector: q.labelSelector,
          fieldSelector: q.fieldSelector,
        }),
    });
  }
}

/** The apps/v1 group: Deployments and ReplicaSets with their scale subresource, DaemonSets. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('apis/apps/v1')
export class KubeAppsController extends KubeWorkloadsController {
  protected readonly resources = ['deployments', 'replicasets', 'daemonsets'] as const;

  constructor(apps: KubeAppsService, bus: ClusterBus) {
    super(apps, bus);
  }
}

/** The batch/v1 group: Jobs. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller('apis/batch/v1')
export class KubeBatchController extends KubeWorkloadsController {
  protected readonly resources = ['jobs'] as const;

  constructor(apps: KubeAppsService, bus: ClusterBus) {
    super(apps, bus);
  }
}
