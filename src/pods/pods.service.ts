import type { FastifyReply } from 'fastify';
import { LogRequestError, logFlag, logNumber, sendLogs } from './pod-logs';
import { ConstraintCause } from '../scheduler/strategies/constraint-input';
import { parseConstraints } from '../scheduler/strategies/pod-constraints';
import { Inject, Injectable } from '@nestjs/common';
import { PodUsageDto, toSampleDto } from '../usage/dto/usage.dto';
import { UsageService } from '../usage/usage.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import {
  BadInputError,
  closedNamespaceError,
  NotFoundError,
  TooLargeError,
  UnschedulableError,
} from '../common/errors';
import { SecretBox } from '../common/secret-box';
import { coresToMillis, millisToCores } from '../common/units';
import { splitCommandLine } from '../common/validation';
import { PodsRepository } from '../database/pods.repository';
import { BindingsRepository } from '../database/bindings.repository';
import { NodesRepository } from '../database/nodes.repository';
import { ContainerLogsRepository } from '../database/container-logs.repository';
import { Database } from '../database/database';
import { DEFAULT_NAMESPACE, NamespacesRepository } from '../database/namespaces.repository';
import { NewPod, PodRecord } from '../database/records';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { scheduledMessage } from '../scheduler/scheduling-decision';
import { SchedulerAlgorithm } from '../scheduler/strategies/types';
import { configDataBytes, MAX_POD_CONFIG_BYTES } from '../../node-simulator/src/pod-rules';
import { CreatePodDto } from './dto/create-pod.dto';
import { ListPodsQuery } from './dto/list-pods.query';
import { DeletedPodDto, PodHealthDto, PodResponseDto } from './dto/pod-response.dto';
import { toPodResponse } from './pod.mapper';
import { PodListReader } from './pod-list-reader';

/** An absent or null command (or args) is the image's own, as in Kubernetes. */
const asArgv = (v: string | string[] | null | undefined): string[] =>
  v === undefined || v === null ? [] : typeof v === 'string' ? splitCommandLine(v) : v;

/** Pod creation (stored and placed in one transaction), listing, restart and deletion. */
@Injectable()
export class PodsService {
  private readonly secrets: SecretBox;

  constructor(
    private readonly podsRepository: PodsRepository,
    private readonly bindings: BindingsRepository,
    private readonly nodesRepository: NodesRepository,
    private readonly database: Database,
    private readonly containerLogs: ContainerLogsRepository,
    private readonly namespaces: NamespacesRepository,
    private readonly scheduler: SchedulerService,
    private readonly events: EventsService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly usage: UsageService,
    private readonly podList: PodListReader,
  ) {
    this.secrets = new SecretBox(config.secretKey);
  }

  /** Every check a creation makes, storing nothing (a dry run): throws what createPod would. */
  async checkPod(dto: CreatePodDto): Promise<void> {
    this.newPod(dto);
    await this.requireActiveNamespace(dto.namespace ?? DEFAULT_NAMESPACE);
  }

  /** `meta`: the Kubernetes labels and annotations of a pod made through the Kubernetes API. */
  async createPod(
    dto: CreatePodDto,
    meta: Pick<NewPod, 'labels' | 'annotations' | 'ownerReferences' | 'generateName'> = {},
  ): Promise<PodResponseDto> {
    return toPodResponse(await this.createPodRecord(dto, meta));
  }

  /** The pod as stored, for a caller that shows it otherwise (the Kubernetes API). */
  async createPodRecord(
    dto: CreatePodDto,
    meta: Pick<NewPod, 'labels' | 'annotations' | 'ownerReferences' | 'generateName'> = {},
  ): Promise<PodRecord> {
    const namespace = dto.namespace ?? DEFAULT_NAMESPACE;
    const pod = { ...this.newPod(dto), ...meta, namespace };
    // the fast path checks the namespace in its statement; the careful one first
    const fast = await this.scheduler.createBound(pod);
    if (fast) {
      // its Scheduled event was stored with it
      this.metrics.podsScheduled.inc({ via: 'create' });
      return {
        id: fast.id,
        name: pod.name,
        namespace: pod.namespace,
        status: 'scheduled',
        node_id: fast.nodeId,
        node_name: fast.nodeName,
        reason: null,
        ip: fast.ip,
        cpu_req_m: pod.cpuReqM,
        memory_req_mb: pod.memoryReqMb,
        scheduler_algorithm: pod.schedulerAlgorithm,
        restart_count: 0,
        restart_policy: pod.restartPolicy ?? 'Always',
        finished_at: null,
        labels: pod.labels ?? {},
        annotations: pod.annotations ?? {},
        scheduling: pod.constraints ?? null,
        owner_references: pod.ownerReferences ?? [],
        generate_name: pod.generateName ?? null,
        scheduled_at: fast.scheduledAt,
        started_at: null,
        created_at: fast.createdAt,
        updated_at: fast.createdAt,
        containers: pod.containers.map((c) => ({
          name: c.name,
          image: c.image,
          cpu_req_m: c.cpuReqM,
          memory_req_mb: c.memoryReqMb,
          cpu_limit_m: c.cpuLimitM ?? null,
          memory_limit_mb: c.memoryLimitMb ?? null,
          command: c.command,
          args: c.args,
          status: 'waiting',
          restart_count: 0,
          state: null,
        })),
        volumes: pod.volumes.map((v) => ({
          name: v.name,
          type: v.type,
          size_gb: v.sizeGb,
          path: v.path,
        })),
        config: pod.config,
      };
    }
    await this.requireActiveNamespace(namespace);
    const outcome = await this.database.transaction(async (db) => {
      const id = await this.podsRepository.insertPod(db, pod);
      const placed = await this.scheduler.place(
        db,
        {
          id,
          name: pod.name,
          cpuReqM: pod.cpuReqM,
          memoryReqMb: pod.memoryReqMb,
          constraints: pod.constraints,
        },
        pod.schedulerAlgorithm as SchedulerAlgorithm | null,
        'create',
      );
      if (!placed.bound) {
        // rolls the whole transaction back: nothing of the pod is stored
        if (this.config.podUnschedulable === 'reject') throw new UnschedulableError(placed.reason);
        await this.bindings.markPending(db, id, placed.reason);
      }
      return { id, placed };
    });
    const object = `pod/${pod.name}`;
    if (outcome.placed.bound) {
      this.metrics.podsScheduled.inc({ via: 'create' });
      await this.events.record(
        'Normal',
        'Scheduled',
        object,
        scheduledMessage(pod.name, outcome.placed.nodeName),
        pod.namespace,
      );
    } else {
      await this.events.record(
        'Warning',
        'FailedScheduling',
        object,
        outcome.placed.reason,
        pod.namespace,
      );
    }
    return (await this.podsRepository.findPod(outcome.id))!;
  }

  /** The page of pods as JSON text: an array of `PodResponseDto`. */
  async listPodsJson(query: ListPodsQuery): Promise<string> {
    let nodeId: number | undefined;
    if (query.node !== undefined) {
      const node = await this.nodesRepository.findNode(query.node);
      if (!node) return '[]';
      nodeId = node.id;
    }
    return this.podList.json({
      status: query.status,
      namespace: query.namespace,
      nodeId,
      after: query.after,
      limit: query.limit ?? 100,
      offset: query.offset ?? 0,
    });
  }

  async getPod(ref: string, namespace?: string): Promise<PodResponseDto> {
    const pod = await this.podsRepository.findPod(ref, namespace);
    if (!pod) throw new NotFoundError('pod', ref);
    return toPodResponse(pod);
  }

  /** A container's output as its agent delivered it (plain text; `follow` streams). */
  async sendLogs(ref: string, q: Record<string, string | undefined>, reply: FastifyReply) {
    const pod = await this.podsRepository.findPod(ref, q.namespace);
    if (!pod) throw new NotFoundError('pod', ref);
    try {
      await sendLogs(this.containerLogs, this.podsRepository, reply, pod, {
        container: q.container,
        follow: logFlag(q.follow),
        tailLines: logNumber('tail', q.tail ?? q.tailLines, 0),
        sinceSeconds: logNumber('since_seconds', q.since_seconds ?? q.sinceSeconds, 1),
        timestamps: logFlag(q.timestamps),
        previous: logFlag(q.previous),
      });
    } catch (err) {
      if (err instanceof LogRequestError) throw new BadInputError(err.message);
      throw err;
    }
  }

  /** The pod's CPU and memory use on its node, oldest first (cores and MiB). */
  async podUsage(ref: string, namespace?: string, limit?: number): Promise<PodUsageDto> {
    const pod = await this.podsRepository.findPod(ref, namespace);
    if (!pod) throw new NotFoundError('pod', ref);
    return {
      pod_id: pod.id,
      pod_name: pod.name,
      namespace: pod.namespace,
      node_name: pod.node_name,
      cpu_cores_req: millisToCores(pod.cpu_req_m),
      memory_mb_req: pod.memory_req_mb,
      containers: this.usage.latestPod(pod.id)?.containers ?? [],
      samples: this.usage.podSamples(pod.id, limit).map(toSampleDto),
    };
  }

  async podHealth(ref: string, namespace?: string): Promise<PodHealthDto> {
    const pod = await this.podsRepository.findPod(ref, namespace);
    if (!pod) throw new NotFoundError('pod', ref);
    const node = pod.node_id !== null ? await this.nodesRepository.findNode(pod.node_id) : null;
    return {
      id: pod.id,
      name: pod.name,
      status: pod.status,
      node_name: pod.node_name,
      node_health: node?.health_status ?? null,
      reason: pod.status === 'pending' || pod.status === 'failed' ? pod.reason : null,
      restart_count: pod.restart_count,
      containers: pod.containers.map((c) => ({
        name: c.name,
        status: c.status,
        restart_count: c.restart_count,
      })),
    };
  }

  /** Asks the pod's node to restart its containers (the agent sees the count rise). */
  async restartPod(ref: string, namespace?: string): Promise<PodResponseDto> {
    const pod = await this.podsRepository.findPod(ref, namespace);
    if (!pod) throw new NotFoundError('pod', ref);
    if (pod.node_id === null)
      throw new BadInputError(`pod ${pod.name} is not on a node: nothing to restart`);
    if (pod.finished_at !== null)
      throw new BadInputError(
        `pod ${pod.name} has ${pod.status}: its containers ended for good (restart_policy ` +
          `${pod.restart_policy}); delete it and create it again`,
      );
    await this.podsRepository.bumpPodRestart(pod.id);
    await this.events.record(
      'Normal',
      'Restarting',
      `pod/${pod.name}`,
      `Restarting the containers of ${pod.name} on ${pod.node_name}`,
      pod.namespace,
    );
    return toPodResponse((await this.podsRepository.findPod(pod.id))!);
  }

  /** `how`: a plain delete, or an eviction (the Eviction API, as `kubectl drain` uses it). */
  async deletePod(
    ref: string,
    namespace?: string,
    how: 'delete' | 'eviction' = 'delete',
  ): Promise<DeletedPodDto> {
    const pod = await this.podsRepository.findPod(ref, namespace);
    if (!pod) throw new NotFoundError('pod', ref);
    const deleted = await this.bindings.deletePod(pod.id);
    if (!deleted) throw new NotFoundError('pod', ref);
    const what = how === 'eviction' ? 'evicted (Eviction API) and deleted' : 'deleted';
    await this.events.record(
      'Normal',
      how === 'eviction' ? 'Evicted' : 'Killing',
      `pod/${pod.name}`,
      pod.node_name
        ? `Pod ${pod.name} ${what}; ${pod.node_name} drops it on its next heartbeat`
        : `Pod ${pod.name} ${what}`,
      pod.namespace,
    );
    if (deleted.nodeId !== null) void this.scheduler.retryPending();
    return { deleted: true, id: pod.id, name: pod.name };
  }

  /** A pod is made only in a namespace that exists and is not being deleted. */
  private async requireActiveNamespace(name: string): Promise<void> {
    const ns = await this.namespaces.find(name);
    if (!ns) throw closedNamespaceError(name, 'missing');
    if (ns.status === 'Terminating') throw closedNamespaceError(name, 'Terminating');
  }

  private newPod(dto: CreatePodDto): NewPod {
    const names = new Set<string>();
    for (const c of dto.containers) {
      if (names.has(c.name))
        throw new BadInputError(`containers: duplicate container name "${c.name}"`);
      names.add(c.name);
    }
    const volumeNames = new Set<string>();
    for (const v of dto.volumes ?? []) {
      if (volumeNames.has(v.name))
        throw new BadInputError(`volumes: duplicate volume name "${v.name}"`);
      volumeNames.add(v.name);
    }
    const configBytes = configDataBytes(dto.config ?? []);
    if (configBytes > MAX_POD_CONFIG_BYTES) {
      throw new TooLargeError(
        `config: the pod's config and secret data (keys and values) total ${configBytes} bytes, ` +
          `over the limit of 1 MiB (${MAX_POD_CONFIG_BYTES} bytes)`,
      );
    }
    const causes: ConstraintCause[] = [];
    const constraints = parseConstraints(
      { nodeSelector: dto.node_selector, tolerations: dto.tolerations, affinity: dto.affinity },
      '',
      causes,
    );
    if (causes.length)
      throw new BadInputError(causes.map((c) => `${c.field}: ${c.message}`).join('; '));
    // as Kubernetes: a request is at most its limit
    dto.containers.forEach((c, i) => {
      if (c.cpu_limit !== undefined && coresToMillis(c.cpu_req) > coresToMillis(c.cpu_limit))
        throw new BadInputError(
          `containers[${i}].cpu_req (${c.cpu_req}) must be less than or equal to its cpu_limit (${c.cpu_limit})`,
        );
      if (c.memory_limit !== undefined && c.memory_req > c.memory_limit)
        throw new BadInputError(
          `containers[${i}].memory_req (${c.memory_req}) must be less than or equal to its memory_limit (${c.memory_limit})`,
        );
    });
    const containersM = dto.containers.reduce((sum, c) => sum + coresToMillis(c.cpu_req), 0);
    const cpuReqM =
      dto.cpu_cores_req !== undefined && dto.cpu_cores_req !== null
        ? coresToMillis(dto.cpu_cores_req)
        : containersM;
    if (cpuReqM < containersM) {
      // the node would then run more than the scheduler reserved for the pod
      throw new BadInputError(
        `cpu_cores_req (${millisToCores(cpuReqM)}) is less than the sum of the containers' cpu_req ` +
          `(${millisToCores(containersM)}): give at least ${millisToCores(containersM)}, or leave it out`,
      );
    }
    if (cpuReqM <= 0) {
      throw new BadInputError(
        'cpu_cores_req must be > 0 (give it, or a cpu_req > 0 on a container)',
      );
    }
    return {
      name: dto.name,
      namespace: dto.namespace ?? DEFAULT_NAMESPACE,
      cpuReqM,
      memoryReqMb: dto.memory_mb_req ?? dto.containers.reduce((sum, c) => sum + c.memory_req, 0),
      constraints,
      schedulerAlgorithm: dto.scheduler_algorithm ?? null,
      restartPolicy: dto.restart_policy ?? 'Always',
      containers: dto.containers.map((c) => ({
        name: c.name,
        image: c.image,
        cpuReqM: coresToMillis(c.cpu_req),
        memoryReqMb: c.memory_req,
        cpuLimitM: c.cpu_limit === undefined ? null : coresToMillis(c.cpu_limit),
        memoryLimitMb: c.memory_limit ?? null,
        command: asArgv(c.command),
        args: asArgv(c.args),
      })),
      volumes: (dto.volumes ?? []).map((v) => ({
        name: v.name,
        type: v.type,
        sizeGb: v.size ?? null,
        path: v.path ?? null,
      })),
      config: (dto.config ?? []).map((c) => ({
        name: c.name,
        type: c.type,
        key: c.key,
        value: c.type === 'secret' ? this.secrets.seal(c.value) : c.value,
      })),
    };
  }
}
