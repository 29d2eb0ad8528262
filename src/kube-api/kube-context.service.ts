import { Injectable } from '@nestjs/common';
import { SettingsRepository } from '../database/settings.repository';
import { KubeContext } from './kube-objects';

/** The cluster's identity every translation uses (its id, when it was made) and a list's version. */
@Injectable()
export class KubeContextService {
  private context: Promise<KubeContext> | null = null;

  constructor(private readonly settingsRepository: SettingsRepository) {}

  kubeContext(): Promise<KubeContext> {
    this.context ??= (async () => {
      const clusterId = await this.settingsRepository.clusterId();
      let created = await this.settingsRepository.getSetting('cluster.created_at');
      if (!created) {
        created = new Date().toISOString();
        await this.settingsRepository.putSetting('cluster.created_at', created);
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
