import { Injectable } from '@nestjs/common';
import {
  NameTakenError,
  NetworkObjectRecord,
  NetworkRepository,
} from '../database/network.repository';
import { EventsService } from '../events/events.service';
import { KubeNamespacesService } from './kube-namespaces.service';
import { applyPatch } from './kube-patch';
import { KubeError } from './kube-status';
import { ListOptions, metadataMatcher } from './list-filter';
import { checkNetworkFields } from './network-manifest-checks';
import { networkPolicyManifest } from './network-policy-manifest';
import { KubeNetObject, toKubeNetworkPolicy } from './network-objects';
import { checkReplaceBody } from './replace-body';

/** NetworkPolicies through the Kubernetes API, stored as sent once checked and defaulted. */
@Injectable()
export class KubeNetworkPoliciesService {
  constructor(
    private readonly repository: NetworkRepository,
    private readonly namespaces: KubeNamespacesService,
    private readonly events: EventsService,
  ) {}

  async listPolicies(namespace: string | null, options: ListOptions): Promise<KubeNetObject[]> {
    const match = metadataMatcher(options);
    if (namespace !== null && !(await this.namespaces.namespaceExists(namespace))) return [];
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
    await this.namespaces.requireNamespace(namespace);
    const warnings = checkNetworkFields('NetworkPolicy', body, query);
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
}
