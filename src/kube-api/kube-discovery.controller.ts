import { All, Controller, Get, Param, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { AUTOSCALING_API_GROUP } from './kube-autoscaling';
import { EVENTS_API_GROUP } from './kube-events';
import { METRICS_API_GROUP } from './kube-metrics';
import { NETWORK_API_GROUPS, NETWORK_CORE_RESOURCES } from './kube-network.controller';
import { KUBE_VERSION } from './kube-objects';
import { KubeError, KubeStatusFilter } from './kube-status';

/** What `/api/v1` serves: kubectl's discovery reads it to map kinds and short names to paths. */
export const CORE_V1_RESOURCES = [
  {
    name: 'events',
    singularName: 'event',
    namespaced: true,
    kind: 'Event',
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ev'],
  },
  {
    name: 'namespaces',
    singularName: 'namespace',
    namespaced: false,
    kind: 'Namespace',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
  },
  {
    name: 'nodes',
    singularName: 'node',
    namespaced: false,
    kind: 'Node',
    verbs: ['delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['no'],
  },
  {
    name: 'pods',
    singularName: 'pod',
    namespaced: true,
    kind: 'Pod',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['po'],
    categories: ['all'],
  },
  {
    // kubectl drain evicts when /api/v1 lists this subresource, and deletes otherwise
    name: 'pods/eviction',
    singularName: '',
    namespaced: true,
    group: 'policy',
    version: 'v1',
    kind: 'Eviction',
    verbs: ['create'],
  },
  ...NETWORK_CORE_RESOURCES,
];

/** What `/apis/apps/v1` serves: the workloads and their scale subresource. */
export const APPS_V1_RESOURCES = [
  {
    name: 'deployments',
    singularName: 'deployment',
    namespaced: true,
    kind: 'Deployment',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['deploy'],
    categories: ['all'],
  },
  {
    name: 'deployments/scale',
    singularName: '',
    namespaced: true,
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
  },
  {
    name: 'replicasets',
    singularName: 'replicaset',
    namespaced: true,
    kind: 'ReplicaSet',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['rs'],
    categories: ['all'],
  },
  {
    name: 'replicasets/scale',
    singularName: '',
    namespaced: true,
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
    verbs: ['get', 'patch', 'update'],
  },
  {
    name: 'daemonsets',
    singularName: 'daemonset',
    namespaced: true,
    kind: 'DaemonSet',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ds'],
    categories: ['all'],
  },
  {
    name: 'daemonsets/status',
    singularName: '',
    namespaced: true,
    kind: 'DaemonSet',
    verbs: ['get'],
  },
];

/** What `/apis/batch/v1` serves. */
export const BATCH_V1_RESOURCES = [
  {
    name: 'jobs',
    singularName: 'job',
    namespaced: true,
    kind: 'Job',
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    categories: ['all'],
  },
];

const BATCH_GROUP = {
  name: 'batch',
  versions: [{ groupVersion: 'batch/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'batch/v1', version: 'v1' },
};

const APPS_GROUP = {
  name: 'apps',
  versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
};

const patchOperation = (kind: string, group = '', version = 'v1') => ({
  patch: {
    operationId: `patch${group ? group.split('.')[0].replace(/^./, (c) => c.toUpperCase()) : 'Core'}${version.toUpperCase()}${kind}`,
    'x-kubernetes-group-version-kind': { group, version, kind },
    'x-kubernetes-action': 'patch',
    parameters: [
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
    ],
    responses: { '200': { description: 'OK' } },
  },
});

const CORE_V1_OPENAPI = {
  openapi: '3.0.0',
  info: { title: 'Kubernetes (kubesim)', version: KUBE_VERSION.gitVersion },
  paths: {
    '/api/v1/nodes/{name}': patchOperation('Node'),
    '/api/v1/namespaces/{name}': patchOperation('Namespace'),
    '/api/v1/namespaces/{namespace}/pods/{name}': patchOperation('Pod'),
    '/api/v1/namespaces/{namespace}/services/{name}': patchOperation('Service'),
  },
  components: { schemas: {} },
};
const APPS_V1_OPENAPI = {
  openapi: '3.0.0',
  info: { title: 'Kubernetes (kubesim)', version: KUBE_VERSION.gitVersion },
  paths: {
    '/apis/apps/v1/namespaces/{namespace}/deployments/{name}': patchOperation('Deployment', 'apps'),
    '/apis/apps/v1/namespaces/{namespace}/replicasets/{name}': patchOperation('ReplicaSet', 'apps'),
    '/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}': patchOperation('DaemonSet', 'apps'),
  },
  components: { schemas: {} },
};
/** The other groups' documents, by their path under /openapi/v3. */
const GROUP_OPENAPI: Record<string, object> = {
  'apis/apps/v1': APPS_V1_OPENAPI,
  'apis/batch/v1': {
    ...CORE_V1_OPENAPI,
    paths: {
      '/apis/batch/v1/namespaces/{namespace}/jobs/{name}': patchOperation('Job', 'batch'),
    },
  },
  'apis/networking.k8s.io/v1': {
    ...CORE_V1_OPENAPI,
    paths: {
      '/apis/networking.k8s.io/v1/namespaces/{namespace}/networkpolicies/{name}': patchOperation(
        'NetworkPolicy',
        'networking.k8s.io',
      ),
    },
  },
  'apis/discovery.k8s.io/v1': { ...CORE_V1_OPENAPI, paths: {} },
  'apis/autoscaling/v2': {
    ...CORE_V1_OPENAPI,
    paths: {
      '/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers/{name}': patchOperation(
        'HorizontalPodAutoscaler',
        'autoscaling',
        'v2',
      ),
    },
  },
  'apis/autoscaling/v1': {
    ...CORE_V1_OPENAPI,
    paths: {
      '/apis/autoscaling/v1/namespaces/{namespace}/horizontalpodautoscalers/{name}': patchOperation(
        'HorizontalPodAutoscaler',
        'autoscaling',
        'v1',
      ),
    },
  },
};
const OPENAPI_V2 = {
  swagger: '2.0',
  info: { title: 'kubesim', version: KUBE_VERSION.gitVersion },
  paths: {},
};
/** The same as gnostic's openapi_v2.Document: swagger (1) and info (2: title 1, version 2). */
const OPENAPI_V2_PROTOBUF = (() => {
  const field = (no: number, bytes: Buffer) =>
    Buffer.concat([Buffer.from([(no << 3) | 2, bytes.length]), bytes]);
  const info = Buffer.concat([
    field(1, Buffer.from(OPENAPI_V2.info.title)),
    field(2, Buffer.from(OPENAPI_V2.info.version)),
  ]);
  return Buffer.concat([field(1, Buffer.from(OPENAPI_V2.swagger)), field(2, info)]);
})();

const hashOf = (doc: object) =>
  createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 32).toUpperCase();
const OPENAPI_HASH = hashOf(CORE_V1_OPENAPI);

/** Version and legacy discovery, as kube-apiserver answers them. */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@Controller()
export class KubeDiscoveryController {
  @Get('version')
  getKubeVersion() {
    return {
      ...KUBE_VERSION,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2026-01-01T00:00:00Z',
      goVersion: 'go1.23.0',
      compiler: 'gc',
      platform: 'linux/amd64',
    };
  }

  @Get('api')
  getCoreApiVersions(@Req() req: FastifyRequest) {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' },
      ],
    };
  }

  @Get('api/v1')
  getCoreV1Resources() {
    return { kind: 'APIResourceList', groupVersion: 'v1', resources: CORE_V1_RESOURCES };
  }

  /** The API groups beyond the core one: apps and batch (the workloads), events, autoscaling, networking, discovery, metrics. */
  @Get('apis')
  getApiGroups() {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [
        APPS_GROUP,
        BATCH_GROUP,
        EVENTS_API_GROUP,
        AUTOSCALING_API_GROUP,
        ...NETWORK_API_GROUPS,
        METRICS_API_GROUP,
      ],
    };
  }

  @Get('apis/batch')
  getBatchGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...BATCH_GROUP };
  }

  @Get('apis/batch/v1')
  getBatchV1Resources() {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'batch/v1',
      resources: BATCH_V1_RESOURCES,
    };
  }

  @Get('apis/apps')
  getAppsGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...APPS_GROUP };
  }

  @Get('apis/apps/v1')
  getAppsV1Resources() {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'apps/v1',
      resources: APPS_V1_RESOURCES,
    };
  }

  /**
   * OpenAPI v3, as much as kubectl reads: the PATCH operations that take `fieldValidation`,
   * so `kubectl apply` and `create` leave unknown fields to the server (Strict) instead of
   * validating against a schema kubesim does not publish.
   */
  /**
   * OpenAPI v2, for kubectl 1.27 and 1.28, whose `apply` reads it before sending anything: a
   * document without definitions, so their client-side validation finds no schema and leaves
   * the checking to the server (fieldValidation), as with v3. kubectl asks for gnostic's
   * protobuf; other clients get the same document as JSON.
   */
  @Get('openapi/v2')
  getOpenApiV2(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    if ((req.headers.accept ?? '').includes('protobuf'))
      return reply
        .header('Content-Type', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf')
        .send(OPENAPI_V2_PROTOBUF);
    return reply.send(OPENAPI_V2);
  }

  @Get('openapi/v3')
  getOpenApiV3Root() {
    return {
      paths: {
        'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${OPENAPI_HASH}` },
        ...Object.fromEntries(
          Object.entries(GROUP_OPENAPI).map(([path, doc]) => [
            path,
            { serverRelativeURL: `/openapi/v3/${path}?hash=${hashOf(doc)}` },
          ]),
        ),
      },
    };
  }

  @Get('openapi/v3/api/v1')
  getOpenApiV3CoreV1() {
    return CORE_V1_OPENAPI;
  }

  @Get('openapi/v3/apis/:group/:version')
  getOpenApiV3Group(@Param('group') group: string, @Param('version') version: string) {
    const doc = GROUP_OPENAPI[`apis/${group}/${version}`];
    if (!doc) throw new KubeError(404, 'the server could not find the requested resource');
    return doc;
  }

  @All('apis/*')
  unknownGroup(): never {
    throw new KubeError(404, 'the server could not find the requested resource');
  }
}
