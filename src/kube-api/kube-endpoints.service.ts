import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { NetworkRepository, ServiceRecord } from '../database/network.repository';
import { PodRecord } from '../database/records';
import { NetworkService } from '../network/network.service';
import { endpointSubsets, ServicePort } from '../network/service-addresses';
import { KubeContextService } from './kube-context.service';
import { KubeNamespacesService } from './kube-namespaces.service';
import { KubeContext, uidOf } from './kube-objects';
import { KubeError } from './kube-status';
import { ListOptions, metadataMatcher } from './list-filter';
import { iso, KubeNetObject, metadataOf, SERVICE_NAME_LABEL } from './network-objects';
import { podVersion } from './pod-object';

/**
 * Endpoints and EndpointSlices through the Kubernetes API: computed on every read from the
 * pods a Service's selector picks, so they follow pods as they come, go and fail.
 */
@Injectable()
export class KubeEndpointsService {
  constructor(
    private readonly repository: NetworkRepository,
    private readonly network: NetworkService,
    private readonly kube: KubeContextService,
    private readonly namespaces: KubeNamespacesService,
  ) {}

  async listEndpoints(namespace: string | null, options: ListOptions): Promise<KubeNetObject[]> {
    const match = metadataMatcher(options);
    if (namespace !== null && !(await this.namespaces.namespaceExists(namespace))) return [];
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
    const match = metadataMatcher(options);
    if (namespace !== null && !(await this.namespaces.namespaceExists(namespace))) return [];
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
}
