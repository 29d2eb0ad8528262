import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  NameTakenError,
  NetworkObjectRecord,
  NetworkRepository,
  ServiceRecord,
} from '../database/network.repository';
import { PodRecord } from '../database/records';
import { EventsService } from '../events/events.service';
import { NetworkService } from '../network/network.service';
import {
  allocateClusterIp,
  allocateNodePort,
  endpointSubsets,
  ServicePort,
} from '../network/service-addresses';
import { fieldValidation } from './field-validation';
import { KubeContextService } from './kube-context.service';
import { KubeNamespacesService } from './kube-namespaces.service';
import { ListOptions } from './list-filter';
import { unknownNetworkFields } from './network-manifest-checks';
import { networkPolicyManifest } from './network-policy-manifest';
import { ServiceManifest, serviceManifest } from './service-manifest';
import { KubeContext, uidOf } from './kube-objects';
import { podVersion } from './pod-object';
import { applyPatch } from './kube-patch';
import { KubeError } from './kube-status';
import { checkReplaceBody } from './replace-body';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

/** A Kubernetes object as the network kinds are served (typed loosely: specs are stored as sent). */
export interface KubeNetObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    /** RFC 3339 on the wire; the client library's types call it a Date */
    creationTimestamp: Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

const iso = (d: Date | string) =>
  new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') as unknown as Date;
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function metadataOf(
  row: NetworkObjectRecord,
  resourceVersion: string | number = row.resource_version,
) {
  return {
    name: row.name,
    namespace: row.namespace,
    uid: row.uid,
    resourceVersion: String(resourceVersion),
    creationTimestamp: iso(row.created_at),
    ...(Object.keys(row.labels).length ? { labels: row.labels } : {}),
    ...(Object.keys(row.annotations).length ? { annotations: row.annotations } : {}),
  };
}

export function toKubeService(row: ServiceRecord): KubeNetObject {
  const spec = { ...row.spec };
  spec.clusterIP = row.cluster_ip ?? 'None';
  spec.clusterIPs = [row.cluster_ip ?? 'None'];
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadataOf(row),
    spec,
    status: { loadBalancer: {} },
  };
}

export function toKubeNetworkPolicy(row: NetworkObjectRecord): KubeNetObject {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadataOf(row),
    spec: row.spec,
  };
}

/**
 * Services, their Endpoints and EndpointSlices, and NetworkPolicies through the Kubernetes
 * API. Endpoints are computed on every read from the pods the selector picks, so they follow
 * pods as they come, go and fail.
 */
@Injectable()
export class KubeNetworkService {
  constructor(
    private readonly repository: NetworkRepository,
    private readonly network: NetworkService,
    private readonly kube: KubeContextService,
    private readonly namespaces: KubeNamespacesService,
    private readonly events: EventsService,
  ) {}

  // ---- services

  async listServices(namespace: string | null, options: ListOptions): Promise<KubeNetObject[]> {
    const match = this.matcher(options);
    if (namespace !== null && !this.namespaceExists(namespace)) return [];
    return (await this.repository.listServices(namespace)).map(toKubeService).filter(match);
  }

  async getService(namespace: string, name: string): Promise<KubeNetObject> {
    return toKubeService(await this.serviceRow(namespace, name));
  }

  private async serviceRow(namespace: string, name: string): Promise<ServiceRecord> {
    const row = await this.repository.findService(namespace, name);
    if (!row) throw KubeError.notFound('services', name);
    return row;
  }

  async createService(
    namespace: string,
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): Promise<{ object: KubeNetObject; warnings: string[] }> {
    this.namespaces.requireNamespace(namespace);
    const warnings = this.checkFields('Service', body, query);
    const manifest = serviceManifest(body, namespace);
    try {
      const row = await this.repository.insertService(
        {
          namespace,
          name: manifest.name,
          labels: manifest.labels,
          annotations: manifest.annotations,
        },
        (taken) => this.allocate(manifest, taken),
      );
      void this.events.record(
        'Normal',
        'ServiceCreated',
        `service/${row.name}`,
        `service ${namespace}/${row.name} created (${row.cluster_ip ?? 'headless'})`,
      );
      return { object: toKubeService(row), warnings };
    } catch (err) {
      if (err instanceof NameTakenError) throw KubeError.alreadyExists('services', manifest.name);
      throw err;
    }
  }

  private allocate(
    manifest: ServiceManifest,
    taken: { clusterIps: Set<string>; nodePorts: Set<number> },
    keepIp?: string | null,
  ) {
    let clusterIp: string | null;
    if (keepIp !== undefined) clusterIp = keepIp;
    else if (manifest.clusterIP === 'None') clusterIp = null;
    else if (manifest.clusterIP) {
      if (taken.clusterIps.has(manifest.clusterIP))
        throw KubeError.invalid('Service', manifest.name, [
          {
            field: 'spec.clusterIP',
            message: `Invalid value: "${manifest.clusterIP}": provided IP is already allocated`,
          },
        ]);
      clusterIp = manifest.clusterIP;
    } else {
      clusterIp = allocateClusterIp(taken.clusterIps);
      if (!clusterIp)
        throw new KubeError(500, 'failed to allocate a serviceIP: range is full', 'InternalError');
    }
    const ports: ServicePort[] = manifest.ports.map((p, i) => {
      if (manifest.spec.type !== 'NodePort') return p;
      if (p.nodePort) {
        if (taken.nodePorts.has(p.nodePort))
          throw KubeError.invalid('Service', manifest.name, [
            {
              field: `spec.ports[${i}].nodePort`,
              message: `Invalid value: ${p.nodePort}: provided port is already allocated`,
            },
          ]);
        taken.nodePorts.add(p.nodePort);
        return p;
      }
      const nodePort = allocateNodePort(taken.nodePorts);
      if (!nodePort)
        throw new KubeError(500, 'failed to allocate a nodePort: range is full', 'InternalError');
      taken.nodePorts.add(nodePort);
      return { ...p, nodePort };
    });
    return { spec: { ...manifest.spec, ports }, clusterIp };
  }

  async patchService(
    namespace: string,
    name: string,
    contentType: string,
    patch: unknown,
  ): Promise<KubeNetObject> {
    const current = await this.serviceRow(namespace, name);
    const merged = applyPatch(contentType, toKubeService(current), patch) as KubeNetObject;
    return this.writeService(namespace, name, current, merged);
  }

  /** `kubectl replace` of a Service: the whole object, over the version it names. */
  async replaceService(namespace: string, name: string, body: unknown): Promise<KubeNetObject> {
    const current = await this.serviceRow(namespace, name);
    const given = checkReplaceBody(body, {
      kind: 'Service',
      resource: 'services',
      name,
      namespace,
      resourceVersion: toKubeService(current).metadata.resourceVersion,
    });
    return this.writeService(namespace, name, current, given as unknown as KubeNetObject);
  }

  private async writeService(
    namespace: string,
    name: string,
    current: ServiceRecord,
    merged: KubeNetObject,
  ): Promise<KubeNetObject> {
    if (merged?.metadata?.name !== undefined && merged.metadata.name !== name)
      throw KubeError.invalid('Service', name, [
        { field: 'metadata.name', message: 'Invalid value: field is immutable' },
      ]);
    const manifest = serviceManifest(merged, namespace, {
      ...current.spec,
      clusterIP: current.cluster_ip ?? 'None',
    });
    const row = await this.repository.updateService(current, (taken) => {
      const { spec } = this.allocate(manifest, taken, current.cluster_ip);
      return { namespace, name, labels: manifest.labels, annotations: manifest.annotations, spec };
    });
    if (!row)
      throw new KubeError(
        409,
        `Operation cannot be fulfilled on services "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
      );
    return toKubeService(row);
  }

  async deleteService(namespace: string, name: string): Promise<KubeNetObject> {
    const service = await this.getService(namespace, name);
    if (!(await this.repository.deleteService(namespace, name)))
      throw KubeError.notFound('services', name);
    void this.events.record(
      'Normal',
      'ServiceDeleted',
      `service/${name}`,
      `service ${namespace}/${name} deleted; its cluster IP is free again`,
    );
    return service;
  }

  // ---- endpoints, computed from pods

  async listEndpoints(namespace: string | null, options: ListOptions): Promise<KubeNetObject[]> {
    const match = this.matcher(options);
    if (namespace !== null && !this.namespaceExists(namespace)) return [];
    const { ctx, services, pods } = await this.snapshot(namespace);
    return services.map((s) => this.endpoints(ctx, s, pods)).filter(match);
  }

  async getEndpoints(namespace: string, name: string): Promise<KubeNetObject> {
    const row = await this.repository.findService(namespace, name);
    if (!row) throw KubeError.notFound('endpoints', name);
    const { ctx, pods } = await this.snapshot(namespace, false);
    return this.endpoints(ctx, row, pods);
  }

  async listEndpointSlices(
    namespace: string | null,
    options: ListOptions,
  ): Promise<KubeNetObject[]> {
    const match = this.matcher(options);
    if (namespace !== null && !this.namespaceExists(namespace)) return [];
    const { ctx, services, pods } = await this.snapshot(namespace);
    return services.flatMap((s) => this.endpointSlices(ctx, s, pods)).filter(match);
  }

  async getEndpointSlice(namespace: string, name: string): Promise<KubeNetObject> {
    const found = (await this.listEndpointSlices(namespace, {})).find(
      (s) => s.metadata.name === name,
    );
    if (!found) throw KubeError.notFound('endpointslices.discovery.k8s.io', name);
    return found;
  }

  private async snapshot(namespace: string | null, withServices = true) {
    const [ctx, services, pods] = await Promise.all([
      this.kube.kubeContext(),
      withServices ? this.repository.listServices(namespace) : Promise.resolve([]),
      this.network.allPods(),
    ]);
    return { ctx, services, pods };
  }

  /** The service's selected pods and the version of what its endpoints were made from. */
  private selection(ctx: KubeContext, service: ServiceRecord, pods: PodRecord[]) {
    const selected = this.network.selectedPods(service, pods);
    const version = Math.max(Number(service.resource_version), ...selected.map(podVersion));
    const endpointPods = selected.map((p) =>
      this.network.endpointPod(p, uidOf(ctx, 'pod', p.id, p.created_at)),
    );
    return { endpointPods, version };
  }

  private endpoints(ctx: KubeContext, service: ServiceRecord, pods: PodRecord[]): KubeNetObject {
    const { endpointPods, version } = this.selection(ctx, service, pods);
    const ports = (service.spec.ports ?? []) as ServicePort[];
    const subsets = endpointSubsets(ports, endpointPods).map((g) => {
      const address = (a: (typeof g.addresses)[number]) => ({
        ip: a.pod.ip,
        ...(a.pod.nodeName ? { nodeName: a.pod.nodeName } : {}),
        targetRef: { kind: 'Pod', namespace: a.pod.namespace, name: a.pod.name, uid: a.pod.uid },
      });
      const ready = g.addresses.filter((a) => a.ready).map(address);
      const notReady = g.addresses.filter((a) => !a.ready).map(address);
      return {
        ...(ready.length ? { addresses: ready } : {}),
        ...(notReady.length ? { notReadyAddresses: notReady } : {}),
        ...(g.ports.length ? { ports: g.ports } : {}),
      };
    });
    return {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...metadataOf({ ...service, annotations: {} }, version),
        uid: uidOf(ctx, 'endpoints', service.uid, service.created_at),
        labels: { ...service.labels },
      },
      ...(subsets.length ? { subsets } : {}),
    };
  }

  private endpointSlices(
    ctx: KubeContext,
    service: ServiceRecord,
    pods: PodRecord[],
  ): KubeNetObject[] {
    const { endpointPods, version } = this.selection(ctx, service, pods);
    const ports = (service.spec.ports ?? []) as ServicePort[];
    const groups = endpointSubsets(ports, endpointPods);
    const slices = groups.length
      ? groups
      : [
          {
            addresses: [],
            ports: ports.map((p) => ({ name: p.name, port: p.port, protocol: p.protocol })),
          },
        ];
    return slices.map((g, i) => {
      const suffix = createHash('sha1').update(`${service.uid}/${i}`).digest('hex').slice(0, 5);
      const name = `${service.name}-${suffix}`;
      return {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name,
          namespace: service.namespace,
          uid: uidOf(ctx, 'endpointslice', `${service.uid}/${i}`, service.created_at),
          resourceVersion: String(version),
          creationTimestamp: iso(service.created_at),
          labels: {
            ...service.labels,
            [SERVICE_NAME_LABEL]: service.name,
            'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
          },
          ownerReferences: [
            {
              apiVersion: 'v1',
              kind: 'Service',
              name: service.name,
              uid: service.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        } as KubeNetObject['metadata'],
        addressType: 'IPv4',
        endpoints: g.addresses.map((a) => ({
          addresses: [a.pod.ip],
          conditions: { ready: a.ready, serving: a.ready, terminating: false },
          ...(a.pod.nodeName ? { nodeName: a.pod.nodeName } : {}),
          targetRef: { kind: 'Pod', namespace: a.pod.namespace, name: a.pod.name, uid: a.pod.uid },
        })),
        ports: g.ports.length ? g.ports : null,
      };
    });
  }

  // ---- network policies

  async listPolicies(namespace: string | null, options: ListOptions): Promise<KubeNetObject[]> {
    const match = this.matcher(options);
    if (namespace !== null && !this.namespaceExists(namespace)) return [];
    return (await this.repository.listPolicies(namespace)).map(toKubeNetworkPolicy).filter(match);
  }

  async getPolicy(namespace: string, name: string): Promise<KubeNetObject> {
    const row = await this.repository.findPolicy(namespace, name);
    if (!row) throw KubeError.notFound('networkpolicies.networking.k8s.io', name);
    return toKubeNetworkPolicy(row);
  }

  async createPolicy(
    namespace: string,
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): Promise<{ object: KubeNetObject; warnings: string[] }> {
    this.namespaces.requireNamespace(namespace);
    const warnings = this.checkFields('NetworkPolicy', body, query);
    const manifest = networkPolicyManifest(body, namespace);
    try {
      const row = await this.repository.insertPolicy({ namespace, ...manifest });
      void this.events.record(
        'Normal',
        'NetworkPolicyCreated',
        `networkpolicy/${row.name}`,
        `network policy ${namespace}/${row.name} created`,
      );
      return { object: toKubeNetworkPolicy(row), warnings };
    } catch (err) {
      if (err instanceof NameTakenError)
        throw KubeError.alreadyExists('networkpolicies.networking.k8s.io', manifest.name);
      throw err;
    }
  }

  async patchPolicy(
    namespace: string,
    name: string,
    contentType: string,
    patch: unknown,
  ): Promise<KubeNetObject> {
    const current = await this.policyRow(namespace, name);
    const merged = applyPatch(contentType, toKubeNetworkPolicy(current), patch) as KubeNetObject;
    return this.writePolicy(namespace, name, current, merged);
  }

  /** `kubectl replace` of a NetworkPolicy: the whole object, over the version it names. */
  async replacePolicy(namespace: string, name: string, body: unknown): Promise<KubeNetObject> {
    const current = await this.policyRow(namespace, name);
    const given = checkReplaceBody(body, {
      kind: 'NetworkPolicy',
      resource: 'networkpolicies.networking.k8s.io',
      name,
      namespace,
      resourceVersion: toKubeNetworkPolicy(current).metadata.resourceVersion,
    });
    return this.writePolicy(namespace, name, current, given as unknown as KubeNetObject);
  }

  private async policyRow(namespace: string, name: string) {
    const current = await this.repository.findPolicy(namespace, name);
    if (!current) throw KubeError.notFound('networkpolicies.networking.k8s.io', name);
    return current;
  }

  private async writePolicy(
    namespace: string,
    name: string,
    current: NetworkObjectRecord,
    merged: KubeNetObject,
  ): Promise<KubeNetObject> {
    const manifest = networkPolicyManifest(
      { ...merged, metadata: { ...merged.metadata, name } },
      namespace,
    );
    const row = await this.repository.updatePolicy(current, { namespace, ...manifest });
    if (!row)
      throw new KubeError(
        409,
        `Operation cannot be fulfilled on networkpolicies.networking.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
      );
    void this.events.record(
      'Normal',
      'NetworkPolicyUpdated',
      `networkpolicy/${name}`,
      `network policy ${namespace}/${name} changed`,
    );
    return toKubeNetworkPolicy(row);
  }

  async deletePolicy(namespace: string, name: string): Promise<KubeNetObject> {
    const policy = await this.getPolicy(namespace, name);
    if (!(await this.repository.deletePolicy(namespace, name)))
      throw KubeError.notFound('networkpolicies.networking.k8s.io', name);
    void this.events.record(
      'Normal',
      'NetworkPolicyDeleted',
      `networkpolicy/${name}`,
      `network policy ${namespace}/${name} deleted`,
    );
    return policy;
  }

  // ---- helpers

  private namespaceExists(namespace: string): boolean {
    try {
      this.namespaces.requireNamespace(namespace);
      return true;
    } catch {
      return false;
    }
  }

  private checkFields(
    kind: 'Service' | 'NetworkPolicy',
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): string[] {
    if (query.dryRun !== undefined)
      throw new KubeError(400, 'dryRun is not supported by kubesim yet');
    const mode = fieldValidation(query.fieldValidation);
    if (mode === 'Ignore') return [];
    const unknown = unknownNetworkFields(kind, body);
    const version = kind === 'Service' ? 'v1' : 'networking.k8s.io/v1';
    if (unknown.length && mode === 'Strict')
      throw new KubeError(
        400,
        `${kind} in version "${version.split('/').pop()}" cannot be handled as a ${kind}: strict decoding error: ${unknown
          .map((f) => `unknown field "${f}"`)
          .join(', ')}`,
      );
    return unknown.map((f) => `unknown field "${f}"`);
  }

  private matcher(options: ListOptions) {
    try {
      const labels = parseLabelSelector(options.labelSelector);
      const fields = parseFieldSelector(options.fieldSelector, [
        'metadata.name',
        'metadata.namespace',
      ]);
      return (o: KubeNetObject) =>
        labels(o.metadata.labels ?? {}) &&
        fields({ 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace });
    } catch (err) {
      if (err instanceof SelectorError) throw new KubeError(400, err.message);
      throw err;
    }
  }
}
