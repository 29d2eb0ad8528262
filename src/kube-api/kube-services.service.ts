import { Injectable } from '@nestjs/common';
import { NameTakenError, NetworkRepository, ServiceRecord } from '../database/network.repository';
import { EventsService } from '../events/events.service';
import { allocateClusterIp, allocateNodePort, ServicePort } from '../network/service-addresses';
import { KubeNamespacesService } from './kube-namespaces.service';
import { applyPatch } from './kube-patch';
import { KubeError } from './kube-status';
import { ListOptions, metadataMatcher } from './list-filter';
import { checkNetworkFields } from './network-manifest-checks';
import { KubeNetObject, toKubeService } from './network-objects';
import { checkReplaceBody } from './replace-body';
import { ServiceManifest, serviceManifest } from './service-manifest';

/** Services through the Kubernetes API: stored as sent, with their cluster IP and node ports allocated. */
@Injectable()
export class KubeServicesService {
  constructor(
    private readonly repository: NetworkRepository,
    private readonly namespaces: KubeNamespacesService,
    private readonly events: EventsService,
  ) {}

  async listServices(namespace: string | null, options: ListOptions): Promise<KubeNetObject[]> {
    const match = metadataMatcher(options);
    if (namespace !== null && !(await this.namespaces.namespaceExists(namespace))) return [];
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
    await this.namespaces.requireNamespace(namespace);
    const warnings = checkNetworkFields('Service', body, query);
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
}
