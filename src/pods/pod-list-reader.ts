import { Injectable } from '@nestjs/common';
import { VersionCache } from '../common/version-cache';
import { Database } from '../database/database';
import { PodFilter, PodsRepository } from '../database/pods.repository';
import { Db } from '../database/sql';
import { toPodResponse } from './pod.mapper';

/** How much JSON text the reader keeps at most, in characters (about 32,000 pods). */
export const POD_JSON_CACHE_CHARS = 32 * 1024 * 1024;

/**
 * A page of pods as JSON text, byte for byte `JSON.stringify(pods.map(toPodResponse))` of
 * what `PodsRepository.listPods` reads, without building again what has not changed: the
 * pods' versions are read first, and only the pods whose version this process has not
 * turned into JSON yet are read in full and mapped.
 */
@Injectable()
export class PodListReader {
  private readonly cache = new VersionCache<string>(POD_JSON_CACHE_CHARS, (json) => json.length);

  constructor(
    private readonly pods: PodsRepository,
    private readonly database: Database,
  ) {}

  async json(filter: PodFilter): Promise<string> {
    // two statements agree unless a pod changed between them; one snapshot then
    return (
      (await this.read(filter, undefined)) ??
      (await this.database.snapshot(async (db) => (await this.read(filter, db))!))
    );
  }

  /** null when a pod changed between the read of the versions and the read of the pods */
  private async read(filter: PodFilter, db: Db | undefined): Promise<string | null> {
    const versions = await this.pods.listPodVersions(filter, db);
    const { found: parts, missing, keep } = this.cache.lookup(versions);
    if (!missing.size) return `[${parts.join(',')}]`;
    let made = 0;
    for (const pod of await this.pods.podsWithVersions([...missing.keys()], db)) {
      const i = missing.get(pod.id);
      if (i === undefined || pod.version !== versions[i].version) continue;
      const json = JSON.stringify(toPodResponse(pod));
      keep(pod.id, pod.version, json);
      parts[i] = json;
      made++;
    }
    return made === missing.size ? `[${parts.join(',')}]` : null;
  }
}
