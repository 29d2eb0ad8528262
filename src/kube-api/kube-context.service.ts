import { Injectable } from '@nestjs/common';
import { ClusterStore } from '../database/cluster-store';
import { KubeContext } from './kube-objects';

/** The cluster's identity every translation uses (its id, when it was made) and a list's version. */
@Injectable()
export class KubeContextService {
  private context: Promise<KubeContext> | null = null;

  constructor(private readonly store: ClusterStore) {}

  kubeContext(): Promise<KubeContext> {
    this.context ??= (async () => {
      const clusterId = await this.store.clusterId();
      let created = await this.store.getSetting('cluster.created_at');
      if (!created) {
        created = new Date().toISOString();
        await this.store.putSetting('cluster.created_at', created);
      }
      return { clusterId, clusterCreatedAt: new Date(created) };
    })().catch((err) => {
      this.context = null;
      throw err;
    });
    return this.context;
  }

  /** A list's resourceVersion: the moment it was read (every object version is a moment too). */
  listVersion(): string {
    return String(Date.now());
  }
}
