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
import { KubeContextService } from './kube-context.service';
import {
  ENDPOINTS_TABLE,
  ENDPOINTSLICE_TABLE,
  NETWORK_POLICY_TABLE,
  SERVICE_TABLE,
} from './kube-network-tables';
import { KubeEndpointsService } from './kube-endpoints.service';
import { KubeNetworkPoliciesService } from './kube-network-policies.service';
import { KubeServicesService } from './kube-services.service';
import { KubeNetObject } from './network-objects';
import { TableOf, toTable } from './kube-table';
import { jsonBody } from './request-bodies';
import { includeObject, KubeQuery, sendList, wantsTable } from './kube-list';
import { DryRunGuard } from './dry-run.guard';
import { KubeStatusFilter, sendWarnings } from './kube-status';
import { listOptions } from './list-filter';

type Reader = (namespace: string | null) => Promise<KubeNetObject[]>;

/** The resources of the network groups, as their discovery documents list them. */
export const NETWORK_CORE_RESOURCES = [
  {
    name: 'services',
    singularName: 'service',
    namespaced: true,
    kind: 'Service',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['svc'],
    categories: ['all'],
  },
  {
    name: 'endpoints',
    singularName: 'endpoints',
    namespaced: true,
    kind: 'Endpoints',
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ep'],
  },
];
const DISCOVERY_RESOURCES = [
  {
    name: 'endpointslices',
    singularName: 'endpointslice',
    namespaced: true,
    kind: 'EndpointSlice',
    verbs: ['get', 'list', 'watch'],
  },
];
const NETWORKING_RESOURCES = [
  {
    name: 'networkpolicies',
    singularName: 'networkpolicy',
    namespaced: true,
    kind: 'NetworkPolicy',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['netpol'],
  },
];

const group = (name: string) => ({
  name,
  versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
  preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
});
/** The API groups the network kinds bring, for `/apis`. */
export const NETWORK_API_GROUPS = [group('discovery.k8s.io'), group('networking.k8s.io')];

/**
 * Services and Endpoints (`/api/v1`), EndpointSlices (`discovery.k8s.io/v1`) and
 * NetworkPolicies (`networking.k8s.io/v1`).
 */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@UseGuards(DryRunGuard)
@Controller()
export class KubeNetworkController {
  constructor(
    private readonly kubeServices: KubeServicesService,
    private readonly kubeEndpoints: KubeEndpointsService,
    private readonly kubePolicies: KubeNetworkPoliciesService,
    private readonly kube: KubeContextService,
    private readonly bus: ClusterBus,
  ) {}

  // ---- discovery

  @Get('apis/discovery.k8s.io')
  getDiscoveryGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...group('discovery.k8s.io') };
  }

  @Get('apis/discovery.k8s.io/v1')
  getDiscoveryV1Resources() {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'discovery.k8s.io/v1',
      resources: DISCOVERY_RESOURCES,
    };
  }

  @Get('apis/networking.k8s.io')
  getNetworkingGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...group('networking.k8s.io') };
  }

  @Get('apis/networking.k8s.io/v1')
  getNetworkingV1Resources() {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'networking.k8s.io/v1',
      resources: NETWORKING_RESOURCES,
    };
  }

  // ---- services

  @Get('api/v1/services')
  async listAllKubeServices(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, null, 'v1', 'ServiceList', SERVICE_TABLE, (ns) =>
      this.kubeServices.listServices(ns, listOptions(q)),
    );
  }

  @Get('api/v1/namespaces/:namespace/services')
  async listKubeServices(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, namespace, 'v1', 'ServiceList', SERVICE_TABLE, (ns) =>
      this.kubeServices.listServices(ns, listOptions(q)),
    );
  }

  @Get('api/v1/namespaces/:namespace/services/:name')
  async getKubeService(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(await this.kubeServices.getService(namespace, name), SERVICE_TABLE, accept, q);
  }

  @Post('api/v1/namespaces/:namespace/services')
  @HttpCode(201)
  async createKubeService(
    @Param('namespace') namespace: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { object, warnings } = await this.kubeServices.createService(
      namespace,
      jsonBody(body),
      q,
    );
    sendWarnings(reply, warnings);
    return object;
  }

  @Patch('api/v1/namespaces/:namespace/services/:name')
  patchKubeService(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kubeServices.patchService(
      namespace,
      name,
      (contentType ?? '').toLowerCase(),
      jsonBody(patch),
    );
  }

  @Put('api/v1/namespaces/:namespace/services/:name')
  replaceKubeService(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.kubeServices.replaceService(namespace, name, jsonBody(body));
  }

  @Delete('api/v1/namespaces/:namespace/services/:name')
  deleteKubeService(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.kubeServices.deleteService(namespace, name);
  }

  // ---- endpoints

  @Get('api/v1/endpoints')
  async listAllKubeEndpoints(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, null, 'v1', 'EndpointsList', ENDPOINTS_TABLE, (ns) =>
      this.kubeEndpoints.listEndpoints(ns, listOptions(q)),
    );
  }

  @Get('api/v1/namespaces/:namespace/endpoints')
  async listKubeEndpoints(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(reply, q, accept, namespace, 'v1', 'EndpointsList', ENDPOINTS_TABLE, (ns) =>
      this.kubeEndpoints.listEndpoints(ns, listOptions(q)),
    );
  }

  @Get('api/v1/namespaces/:namespace/endpoints/:name')
  async getKubeEndpoints(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(
      await this.kubeEndpoints.getEndpoints(namespace, name),
      ENDPOINTS_TABLE,
      accept,
      q,
    );
  }

  // ---- endpoint slices

  @Get('apis/discovery.k8s.io/v1/endpointslices')
  async listAllKubeEndpointSlices(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(
      reply,
      q,
      accept,
      null,
      'discovery.k8s.io/v1',
      'EndpointSliceList',
      ENDPOINTSLICE_TABLE,
      (ns) => this.kubeEndpoints.listEndpointSlices(ns, listOptions(q)),
    );
  }

  @Get('apis/discovery.k8s.io/v1/namespaces/:namespace/endpointslices')
  async listKubeEndpointSlices(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(
      reply,
      q,
      accept,
      namespace,
      'discovery.k8s.io/v1',
      'EndpointSliceList',
      ENDPOINTSLICE_TABLE,
      (ns) => this.kubeEndpoints.listEndpointSlices(ns, listOptions(q)),
    );
  }

  @Get('apis/discovery.k8s.io/v1/namespaces/:namespace/endpointslices/:name')
  async getKubeEndpointSlice(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(
      await this.kubeEndpoints.getEndpointSlice(namespace, name),
      ENDPOINTSLICE_TABLE,
      accept,
      q,
    );
  }

  // ---- network policies

  @Get('apis/networking.k8s.io/v1/networkpolicies')
  async listAllKubeNetworkPolicies(
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(
      reply,
      q,
      accept,
      null,
      'networking.k8s.io/v1',
      'NetworkPolicyList',
      NETWORK_POLICY_TABLE,
      (ns) => this.kubePolicies.listPolicies(ns, listOptions(q)),
    );
  }

  @Get('apis/networking.k8s.io/v1/namespaces/:namespace/networkpolicies')
  async listKubeNetworkPolicies(
    @Param('namespace') namespace: string,
    @Query() q: KubeQuery,
    @Headers('accept') accept: string,
    @Res() reply: FastifyReply,
  ) {
    await this.list(
      reply,
      q,
      accept,
      namespace,
      'networking.k8s.io/v1',
      'NetworkPolicyList',
      NETWORK_POLICY_TABLE,
      (ns) => this.kubePolicies.listPolicies(ns, listOptions(q)),
    );
  }

  @Get('apis/networking.k8s.io/v1/namespaces/:namespace/networkpolicies/:name')
  async getKubeNetworkPolicy(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('accept') accept: string,
    @Query() q: KubeQuery,
  ) {
    return this.one(
      await this.kubePolicies.getPolicy(namespace, name),
      NETWORK_POLICY_TABLE,
      accept,
      q,
    );
  }

  @Post('apis/networking.k8s.io/v1/namespaces/:namespace/networkpolicies')
  @HttpCode(201)
  async createKubeNetworkPolicy(
    @Param('namespace') namespace: string,
    @Body() body: unknown,
    @Query() q: KubeQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { object, warnings } = await this.kubePolicies.createPolicy(namespace, jsonBody(body), q);
    sendWarnings(reply, warnings);
    return object;
  }

  @Patch('apis/networking.k8s.io/v1/namespaces/:namespace/networkpolicies/:name')
  patchKubeNetworkPolicy(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Headers('content-type') contentType: string | undefined,
    @Body() patch: unknown,
  ) {
    return this.kubePolicies.patchPolicy(
      namespace,
      name,
      (contentType ?? '').toLowerCase(),
      jsonBody(patch),
    );
  }

  @Put('apis/networking.k8s.io/v1/namespaces/:namespace/networkpolicies/:name')
  replaceKubeNetworkPolicy(
    @Param('namespace') namespace: string,
    @Param('name') name: string,
    @Body() body: unknown,
  ) {
    return this.kubePolicies.replacePolicy(namespace, name, jsonBody(body));
  }

  @Delete('apis/networking.k8s.io/v1/namespaces/:namespace/networkpolicies/:name')
  deleteKubeNetworkPolicy(@Param('namespace') namespace: string, @Param('name') name: string) {
    return this.kubePolicies.deletePolicy(namespace, name);
  }

  // ---- helpers

  private one(object: KubeNetObject, table: TableOf<KubeNetObject>, accept: string, q: KubeQuery) {
    return wantsTable(accept)
      ? toTable(table, [object], object.metadata.resourceVersion, includeObject(q))
      : object;
  }

  private list(
    reply: FastifyReply,
    q: KubeQuery,
    accept: string,
    namespace: string | null,
    apiVersion: string,
    kind: string,
    table: TableOf<KubeNetObject>,
    read: Reader,
  ): Promise<void> {
    return sendList(reply, this.bus, q, accept, {
      apiVersion,
      kind,
      table,
      read: () => read(namespace),
      resourceVersion: this.kube.listVersion(),
    });
  }
}
