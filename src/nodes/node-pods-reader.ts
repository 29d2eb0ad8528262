import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SecretBox } from '../common/secret-box';
import { millisToCores } from '../common/units';
import { PodsRepository } from '../database/pods.repository';
import { containerSpec, volumeSpec } from '../database/pod-parts';
import { PodRecord } from '../database/records';
import { EventsService } from '../events/events.service';
import { PodAssignmentDto } from './dto/node-response.dto';
import { NodePods, NodePodsCache, PodEntry } from './node-pods-cache';
import { MAX_POD_SPEC_BYTES } from './pods-answer';
import { AGENT_ANNOTATIONS, KUBELET_BACKOFF } from '../../node-simulator/src/lifecycle';

/** The annotations the agent acts on, as an assignment carries them (none: nothing). */
function agentAnnotations(all: Record<string, string> | undefined): {
  annotations?: Record<string, string>;
} {
  let picked: Record<string, string> | undefined;
  for (const key of AGENT_ANNOTATIONS) {
    const value = all?.[key];
    if (value !== undefined) (picked ??= {})[key] = value;
  }
  return picked ? { annotations: picked } : {};
}

/**
 * The pods a node must run, as heartbeat answers and watches carry them: read from the
 * store, cached in the `NodePodsCache` while the node's pods_version holds, their secrets
 * opened with this server's key (which every stored sealed secret must open, checked at boot).
 */
@Injectable()
export class NodePodsReader implements OnModuleInit {
  private readonly secrets: SecretBox;
  private readonly logger = new Logger(NodePodsReader.name);

  constructor(
    private readonly podsRepository: PodsRepository,
    private readonly events: EventsService,
    private readonly nodePods: NodePodsCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.secrets = new SecretBox(config.secretKey);
  }

  async onModuleInit(): Promise<void> {
    await this.checkSealedSecrets();
  }

  /**
   * At boot: every stored sealed secret must open with this server's key. If some do
   * not, refuse to start (naming KUBESIM_SECRET_KEY), or with
   * KUBESIM_UNREADABLE_SECRETS=fail-pods start and mark their pods failed with the reason.
   */
  private async checkSealedSecrets(): Promise<void> {
    const unreadable = new Map<number, string>();
    for (let after = 0; ;) {
      const page = await this.podsRepository.sealedSecrets(after, 500);
      if (!page.length) break;
      for (const row of page) {
        after = row.id;
        if (!unreadable.has(row.pod_id) && !this.secrets.opens(row.value))
          unreadable.set(row.pod_id, row.pod_name);
      }
    }
    if (!unreadable.size) return;
    const why = this.secrets.unreadableReason();
    const names = [...unreadable.values()];
    const listed =
      names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
    if (this.config.unreadableSecrets !== 'fail-pods') {
      throw new Error(
        `${names.length} pod(s) hold secrets this server cannot decrypt (${listed}): ${why}. ` +
          'Start with the KUBESIM_SECRET_KEY they were sealed with, or set ' +
          'KUBESIM_UNREADABLE_SECRETS=fail-pods to start anyway and mark those pods failed',
      );
    }
    const reason = `its secret data cannot be decrypted: ${why}`;
    const failed = await this.podsRepository.failPods(
      [...unreadable.keys()].map((id) => ({ id, reason })),
    );
    for (const name of failed)
      await this.events.record(
        'Warning',
        'SecretUnreadable',
        `pod/${name}`,
        `Pod ${name} failed: ${reason}`,
      );
    this.logger.warn(
      `KUBESIM_UNREADABLE_SECRETS=fail-pods: ${names.length} pod(s) failed, their secrets unreadable (${listed})`,
    );
  }

  /**
   * The pods of a node that was pending until now: none, read from nowhere. It has never been
   * healthy, so no pod was ever bound to it (and every binding raises pods_version past 0).
   */
  noPodsYet(nodeId: number): NodePods {
    const pods: NodePods = { version: 0, entries: [] };
    this.nodePods.cache(nodeId, pods);
    return pods;
  }

  /**
   * The pods a node must run, from the cache while its pods_version holds. On a change,
   * only the pods whose spec_version moved are read again; a pod whose spec cannot be
   * delivered is marked failed with the reason and left out, so one pod never fails
   * the heartbeats of its node.
   */
  async podsFor(nodeId: number, version: number): Promise<NodePods> {
    const cached = this.nodePods.at(nodeId, version);
    if (cached) return cached;
    const index = await this.podsRepository.podIndexOfNode(nodeId);
    if (!index) return { version, entries: [] };
    const again = this.nodePods.at(nodeId, index.version);
    if (again) return again;
    const previous = new Map((this.nodePods.last(nodeId)?.entries ?? []).map((e) => [e.id, e]));
    const versions = new Map(index.pods.map((p) => [p.id, p.spec_version]));
    const entries: PodEntry[] = [];
    const read: number[] = [];
    for (const pod of index.pods) {
      const old = previous.get(pod.id);
      if (old && old.specVersion === pod.spec_version && old.name === pod.name) entries.push(old);
      else read.push(pod.id);
    }
    const failures: Array<{ id: number; name: string; reason: string }> = [];
    for (const record of await this.podsRepository.podsOnNode(nodeId, read)) {
      const { entry, failure } = this.entry(record, versions.get(record.id) ?? 0);
      entries.push(entry);
      if (failure) failures.push({ id: record.id, name: record.name, reason: failure });
    }
    entries.sort((a, b) => a.id - b.id);
    if (failures.length) {
      const changed = new Set(await this.podsRepository.failPods(failures, nodeId));
      for (const f of failures) {
        this.logger.warn(`pod ${f.name} cannot be delivered to node ${nodeId}: ${f.reason}`);
        if (changed.has(f.name))
          await this.events.record(
            'Warning',
            'FailedDelivery',
            `pod/${f.name}`,
            `Pod ${f.name} failed: ${f.reason}`,
          );
      }
    }
    const pods: NodePods = { version: index.version, entries };
    this.nodePods.cache(nodeId, pods);
    return pods;
  }

  /** A pod as answers carry it, or why it cannot be sent. */
  private entry(record: PodRecord, specVersion: number): { entry: PodEntry; failure?: string } {
    const undeliverable = (failure: string) => ({
      entry: { id: record.id, name: record.name, specVersion, assignment: null, bytes: 0 },
      failure,
    });
    let assignment: PodAssignmentDto;
    try {
      assignment = this.assignment(record);
    } catch (err) {
      const sealed = record.config.some((c) => c.type === 'secret' && !this.secrets.opens(c.value));
      return undeliverable(
        sealed
          ? `its secret data cannot be decrypted: ${this.secrets.unreadableReason()}`
          : `its spec cannot be encoded: ${(err as Error).message}`,
      );
    }
    const bytes = Buffer.byteLength(JSON.stringify(assignment));
    if (bytes > MAX_POD_SPEC_BYTES) {
      return undeliverable(
        `its spec is ${bytes} bytes as JSON, over the ${MAX_POD_SPEC_BYTES} bytes a node takes for one pod`,
      );
    }
    return { entry: { id: record.id, name: record.name, specVersion, assignment, bytes } };
  }

  private assignment(p: PodRecord): PodAssignmentDto {
    return {
      id: p.id,
      name: p.name,
      ip: p.ip,
      cpu_cores_req: millisToCores(p.cpu_req_m),
      memory_mb_req: p.memory_req_mb,
      restart_count: p.restart_count,
      // only what differs from the defaults, so most pods' specs stay as small as before
      ...(p.restart_policy && p.restart_policy !== 'Always'
        ? { restart_policy: p.restart_policy }
        : {}),
      ...agentAnnotations(p.annotations),
      ...(this.config.crashBackoffInitialMs !== KUBELET_BACKOFF.initialMs ||
      this.config.crashBackoffMaxMs !== KUBELET_BACKOFF.maxMs
        ? {
            backoff_initial_ms: this.config.crashBackoffInitialMs,
            backoff_max_ms: this.config.crashBackoffMaxMs,
          }
        : {}),
      containers: p.containers.map(containerSpec),
      volumes: p.volumes.map(volumeSpec),
      config: p.config.map((c) => ({
        name: c.name,
        type: c.type,
        key: c.key,
        value: c.type === 'secret' ? this.secrets.open(c.value) : c.value,
      })),
    };
  }
}
