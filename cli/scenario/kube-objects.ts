import type { ApiClient } from '../api-client';
import { ApiError, CliError, EXIT_FAILURE } from '../errors';

/** One kind as discovery lists it. */
interface Resource {
  /** the path segment: `deployments` */
  name: string;
  kind: string;
  namespaced: boolean;
  singularName?: string;
  shortNames?: string[];
  /** `/api/v1` or `/apis/apps/v1` */
  base: string;
}

/** Any Kubernetes object, as far as a scenario reads it. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ image?: string }> };
  status?: { phase?: string };
}

/**
 * Kubernetes objects of a scenario, through the server's Kubernetes API: paths come from
 * discovery (as kubectl finds them), so every kind the server serves can be applied,
 * deleted or scaled, and nothing here knows a kind by heart.
 */
export class KubeObjects {
  private resources: Promise<Resource[]> | null = null;

  constructor(private readonly api: ApiClient) {}

  /** Creates the object, or, when it exists, merges the manifest into it (as `kubectl apply`). */
  async apply(manifest: KubeObject): Promise<'created' | 'configured'> {
    const resource = await this.byKind(manifest.apiVersion!, manifest.kind!);
    const namespace = manifest.metadata?.namespace ?? 'default';
    const collection = this.path(resource, namespace);
    const path = `${collection}/${encodeURIComponent(manifest.metadata!.name!)}`;
    // as kubectl apply: read it first; a new object is created, one that exists is patched
    try {
      await this.api.get(path);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      await this.api.post(collection, manifest);
      return 'created';
    }
    await this.api.patch(path, manifest, 'application/merge-patch+json');
    return 'configured';
  }

  /** `deployment/web`, `deploy/web`, `svc/api`: deleted, its dependants with it. */
  async delete(target: string, namespace = 'default'): Promise<void> {
    const { resource, name } = await this.target(target);
    await this.api.delete(`${this.path(resource, namespace)}/${encodeURIComponent(name)}`);
  }

  /** Sets `spec.replicas` through the scale subresource (`kubectl scale`). */
  async scale(target: string, replicas: number, namespace = 'default'): Promise<void> {
    const { resource, name } = await this.target(target);
    await this.api.patch(
      `${this.path(resource, namespace)}/${encodeURIComponent(name)}/scale`,
      { spec: { replicas } },
      'application/merge-patch+json',
    );
  }

  /** Cordons the node, then evicts each of its pods (`kubectl drain --force`). */
  async drain(node: string): Promise<number> {
    await this.api.patch(
      `/api/v1/nodes/${encodeURIComponent(node)}`,
      { spec: { unschedulable: true } },
      'application/merge-patch+json',
    );
    const pods = await this.pods(undefined, undefined, `spec.nodeName=${node}`);
    for (const pod of pods) {
      const { name, namespace } = pod.metadata!;
      await this.api.post(
        `/api/v1/namespaces/${encodeURIComponent(namespace!)}/pods/${encodeURIComponent(name!)}/eviction`,
        { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
      );
    }
    return pods.length;
  }

  /** Pods as the Kubernetes API lists them: in one namespace or all, by labels and fields. */
  async pods(namespace?: string, labelSelector?: string, fieldSelector?: string) {
    const path = namespace
      ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`
      : '/api/v1/pods';
    const list = await this.api.get<{ items: KubeObject[] }>(path, {
      labelSelector,
      fieldSelector,
    });
    return list.items;
  }

  private path(resource: Resource, namespace: string): string {
    return resource.namespaced
      ? `${resource.base}/namespaces/${encodeURIComponent(namespace)}/${resource.name}`
      : `${resource.base}/${resource.name}`;
  }

  private async byKind(apiVersion: string, kind: string): Promise<Resource> {
    const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const found = (await this.all()).find((r) => r.base === base && r.kind === kind);
    if (!found)
      throw new CliError(`the server does not serve ${kind} in ${apiVersion}`, EXIT_FAILURE);
    return found;
  }

  /** `kind/name`, the kind by plural, singular, short name or Kind, as kubectl reads it. */
  private async target(target: string): Promise<{ resource: Resource; name: string }> {
    const slash = target.indexOf('/');
    const type = target.slice(0, slash).toLowerCase();
    const name = target.slice(slash + 1);
    const resource = (await this.all()).find(
      (r) =>
        r.name === type ||
        r.singularName === type ||
        r.kind.toLowerCase() === type ||
        (r.shortNames ?? []).includes(type),
    );
    if (!resource)
      throw new CliError(`the server does not serve a kind called "${type}"`, EXIT_FAILURE);
    return { resource, name };
  }

  /** Every kind the server serves (its own discovery, read once per run). */
  private all(): Promise<Resource[]> {
    this.resources ??= (async () => {
      const out: Resource[] = [];
      const read = async (base: string) => {
        const list = await this.api.get<{ resources: Array<Omit<Resource, 'base'>> }>(base);
        for (const r of list.resources) if (!r.name.includes('/')) out.push({ ...r, base });
      };
      await read('/api/v1');
      const groups = await this.api.get<{
        groups: Array<{ preferredVersion: { groupVersion: string } }>;
      }>('/apis');
      for (const g of groups.groups) await read(`/apis/${g.preferredVersion.groupVersion}`);
      return out;
    })();
    return this.resources;
  }
}
