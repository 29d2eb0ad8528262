import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { databaseHealth } from '../database/database-health';
import { HeartbeatBuffer } from './heartbeat-buffer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NotFoundError, UnavailableError } from '../common/errors';
import { SecretBox } from '../common/secret-box';
import { coresToMillis, millisToCores } from '../common/units';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { BindingsRepository } from '../database/bindings.repository';
import { HeartbeatsRepository } from '../database/heartbeats.repository';
import { ContainerLogsRepository } from '../database/container-logs.repository';
import { StoreChanges } from '../database/store-changes';
import { containerSpec, volumeSpec } from '../database/pod-parts';
import { PodRecord } from '../database/records';
import { ClusterBus } from '../events/cluster-bus';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { UsageService } from '../usage/usage.service';
import { ContainerReportDto, HeartbeatDto, TerminatedDto } from './dto/heartbeat.dto';
import { HeartbeatAnswerDto, PodAssignmentDto } from './dto/node-response.dto';
import { AssignmentWaiters } from './assignment-waiters';
import { HeartbeatLog, NodePods, PodEntry } from './heartbeat-log';
import { buildPodsAnswer, MAX_POD_SPEC_BYTES, PodsAnswer } from './pods-answer';
import { WatchAnswerDto, WatchDto } from './dto/watch.dto';
import { AGENT_ANNOTATIONS, KUBELET_BACKOFF } from '../../node-simulator/src/lifecycle';

const TERMINAL = new Set(['permanently_failed', 'stopped']);

/** lines kept per container for `kubectl logs` */
export const LOG_LINES_PER_CONTAINER = 1000;

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

/** What a container report says beyond its status, as stored; null when nothing. */
function containerState(c: ContainerReportDto): Record<string, unknown> | null {
  if (
    c.ready === undefined &&
    !c.terminated &&
    !c.waiting_reason &&
    !c.last_terminated &&
    !c.started_at
  )
    return null;
  const state: Record<string, unknown> = {};
  if (c.ready !== undefined) state.ready = c.ready;
  if (c.started_at) state.started_at = c.started_at;
  if (c.terminated) state.terminated = terminatedOf(c.terminated);
  if (c.waiting_reason) state.waiting_reason = c.waiting_reason;
  if (c.last_terminated) state.last_terminated = terminatedOf(c.last_terminated);
  return state;
}

function terminatedOf(t: TerminatedDto) {
  return {
    exit_code: t.exit_code,
    reason: t.reason,
    started_at: t.started_at,
    finished_at: t.finished_at,
  };
}

/** The components a beat reports, as one comparable string. */
function componentsFingerprint(components: object): string {
  return JSON.stringify(Object.entries(components).sort(([a], [b]) => a.localeCompare(b)));
}

/** The agents' side of the API: heartbeat bookkeeping, pod assignments (the token check is `HeartbeatTokenAuth`'s). */
@Injectable()
export class HeartbeatService implements BeforeApplicationShutdown, OnModuleInit {
  private readonly secrets: SecretBox;
  private readonly logger = new Logger(HeartbeatService.name);
  private readonly buffer = new HeartbeatBuffer();

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly bindings: BindingsRepository,
    private readonly heartbeatsRepository: HeartbeatsRepository,
    private readonly containerLogs: ContainerLogsRepository,
    changes: StoreChanges,
    private readonly scheduler: SchedulerService,
    private readonly events: EventsService,
    private readonly log: HeartbeatLog,
    private readonly waiters: AssignmentWaiters,
    private readonly bus: ClusterBus,
    private readonly metrics: MetricsService,
    private readonly usage: UsageService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.secrets = new SecretBox(config.secretKey);
    changes.onPodsChanged((nodeId) => {
      this.log.endRoutine(nodeId);
      this.waiters.wake(nodeId);
    });
    // a status or cordon change made here: every node's next beat is checked in full
    changes.onNodesChanged(() => this.log.endRoutine());
  }

  async heartbeat(nodeId: number, beat: HeartbeatDto): Promise<HeartbeatAnswerDto> {
    const started = process.hrtime.bigint();
    const reported = beat.pods ?? [];
    // without per-pod statuses (the older agents' wire), pod_ids are the pods the node runs
    const reportedRunning = beat.pods
      ? reported.filter((p) => p.status === 'running').map((p) => p.id)
      : beat.pod_ids;
    // a pod whose containers ended for good is finished, not failed on the node
    const failedPodIds = reported
      .filter((p) => p.status === 'failed' && !p.finished)
      .map((p) => p.id);
    const cpuUsedM = coresToMillis(beat.cpu_usage ?? 0);
    const components = componentsFingerprint(beat.components);
    const fingerprints = new Map(
      reported.map((pod) => [
        pod.id,
        JSON.stringify([
          pod.containers.map((c) => {
            const state = containerState(c);
            return state
              ? [c.name, c.status, c.restart_count ?? 0, state]
              : [c.name, c.status, c.restart_count ?? 0];
          }),
          pod.reason ?? null,
          pod.finished ? pod.status : null,
        ]),
      ]),
    );

    // what its containers printed: stored whichever path the beat takes
    // (lost lines are no reason to fail the heartbeat that carries them)
    if (beat.logs?.length)
      await this.containerLogs
        .appendLogs(nodeId, beat.logs, LOG_LINES_PER_CONTAINER)
        .catch((err: Error) =>
          this.logger.warn(`could not store node ${nodeId}'s container output: ${err.message}`),
        );

    // a healthy node reporting nothing new: remembered now, written with the others each tick
    const routine = this.log.routineState(nodeId);
    if (
      routine &&
      databaseHealth.up &&
      beat.health_status === 'healthy' &&
      routine.components === components &&
      failedPodIds.length === 0 &&
      this.log.newlyRunning(nodeId, reportedRunning).length === 0 &&
      [...fingerprints].every(([podId, fp]) => !this.log.reportWouldChange(nodeId, podId, fp))
    ) {
      const pods = this.log.cachedPods(nodeId, routine.version);
      if (pods) {
        this.buffer.record(nodeId, cpuUsedM, new Date());
        this.recordUsage(nodeId, routine.name, beat);
        return this.answered(
          started,
          nodeId,
          routine.name,
          'healthy',
          cpuUsedM,
          buildPodsAnswer(pods, beat.pods_version, beat.pod_ids),
        );
      }
    }

    const outcome = await this.heartbeatsRepository.recordHeartbeat(nodeId, {
      cpuUsedM,
      components: { ...beat.components } as Record<string, string>,
      runningPodIds: this.log.newlyRunning(nodeId, reportedRunning),
      failedPodIds,
      terminating: beat.health_status === 'terminating',
    });
    if (!outcome) {
      this.log.forget(nodeId);
      this.buffer.forget(nodeId);
      throw new NotFoundError('node', nodeId);
    }
    databaseHealth.markUp();
    const { node, previousStatus, startedPodIds } = outcome;
    const object = `node/${node.name}`;
    if (previousStatus === 'pending' && node.health_status === 'healthy') {
      await this.events.record(
        'Normal',
        'NodeReady',
        object,
        `Node ${node.name} is ready: first heartbeat received`,
      );
    } else if (previousStatus === 'not_ready' && node.health_status === 'healthy') {
      await this.events.record(
        'Normal',
        'NodeReady',
        object,
        `Node ${node.name} is ready again: heartbeats resumed`,
      );
    } else if (
      (previousStatus === 'failed' || previousStatus === 'recovering') &&
      node.health_status === 'healthy'
    ) {
      await this.events.record(
        'Normal',
        'NodeRecovered',
        object,
        `Node ${node.name} is healthy again: heartbeats resumed`,
      );
    }
    if (previousStatus !== 'healthy' && node.health_status === 'healthy')
      void this.scheduler.retryPending();

    const reasons: Array<{ id: number; reason: string }> = [];
    const finished: Array<{ id: number; status: 'succeeded' | 'failed'; reason: string | null }> =
      [];
    const backOff: Array<{ id: number; container: string }> = [];
    const startedHere = new Set(startedPodIds);
    if (!beat.pods && startedHere.size)
      await this.podsRepository.markContainersRunning(startedPodIds);
    for (const pod of reported) {
      // a pod that just started here takes its containers' statuses from this node, whatever
      // an earlier node of the same pod last reported
      if (
        this.log.reportChanged(nodeId, pod.id, fingerprints.get(pod.id)!) ||
        startedHere.has(pod.id)
      ) {
        if (pod.finished && (pod.status === 'succeeded' || pod.status === 'failed'))
          finished.push({ id: pod.id, status: pod.status, reason: pod.reason ?? null });
        else if (pod.status === 'failed' && pod.reason)
          reasons.push({ id: pod.id, reason: pod.reason });
        for (const c of pod.containers)
          if (c.status === 'waiting') backOff.push({ id: pod.id, container: c.name });
        await this.podsRepository.updateContainerStatuses(
          pod.id,
          pod.containers.map((c) => ({
            name: c.name,
            status: c.status,
            restart_count: c.restart_count ?? 0,
            state: containerState(c),
          })),
        );
      }
    }
    // the agent's own account of why a pod failed on it
    if (reasons.length && node.health_status === 'healthy')
      await this.podsRepository.failPods(reasons, nodeId);
    if (finished.length) await this.recordFinished(nodeId, node.name, finished);
    for (const { id, container } of backOff) {
      const name = this.log.lastPods(nodeId)?.entries.find((e) => e.id === id)?.name;
      if (name)
        await this.events.record(
          'Warning',
          'BackOff',
          `pod/${name}`,
          `Back-off restarting failed container ${container} in pod ${name}`,
        );
    }
    const terminate = TERMINAL.has(node.health_status);
    let pods: NodePods = { version: node.pods_version, entries: [] };
    if (!terminate) {
      pods = await this.podsFor(nodeId, node.pods_version);
      if (node.health_status === 'healthy') {
        this.log.markRunning(nodeId, reportedRunning, failedPodIds);
        if (beat.health_status === 'healthy') {
          this.log.setRoutine(nodeId, { name: node.name, components, version: pods.version });
        }
      }
    }
    for (const podId of startedPodIds) {
      const pod = pods.entries.find((p) => p.id === podId);
      if (pod)
        await this.events.record(
          'Normal',
          'Started',
          `pod/${pod.name}`,
          `Pod ${pod.name} running on ${node.name}`,
        );
    }

    if (terminate) this.log.endRoutine(nodeId);
    else this.recordUsage(nodeId, node.name, beat);
    return this.answered(
      started,
      nodeId,
      node.name,
      node.health_status,
      node.cpu_used_m,
      terminate
        ? { pods: [], pod_ids: [], pods_version: node.pods_version }
        : buildPodsAnswer(pods, beat.pods_version, beat.pod_ids),
      terminate,
    );
  }

  /**
   * Pods whose containers ended for good: Succeeded or Failed, their room given back
   * (pending pods may now fit), and Kubernetes' events for it.
   */
  private async recordFinished(
    nodeId: number,
    nodeName: string,
    finished: Array<{ id: number; status: 'succeeded' | 'failed'; reason: string | null }>,
  ): Promise<void> {
    const changed = await this.bindings.finishPods(nodeId, finished);
    for (const pod of changed) {
      if (pod.status === 'succeeded')
        await this.events.record(
          'Normal',
          'Completed',
          `pod/${pod.name}`,
          `Pod ${pod.name} completed on ${nodeName}: all containers exited 0`,
        );
      else
        await this.events.record(
          'Warning',
          'Failed',
          `pod/${pod.name}`,
          `Pod ${pod.name} failed on ${nodeName}: ${pod.reason ?? 'a container failed'}`,
        );
    }
    if (changed.length) void this.scheduler.retryPending();
  }

  /** The beat's CPU and memory use, per node and per running pod (names from its pod cache). */
  private recordUsage(nodeId: number, nodeName: string, beat: HeartbeatDto): void {
    let names: Map<number, string> | undefined;
    this.usage.record(nodeId, nodeName, beat, (podId) => {
      names ??= new Map((this.log.lastPods(nodeId)?.entries ?? []).map((e) => [e.id, e.name]));
      return names.get(podId);
    });
  }

  /** The bookkeeping every answered heartbeat shares: graph sample, live stream, metrics. */
  private answered(
    started: bigint,
    nodeId: number,
    nodeName: string,
    healthStatus: string,
    cpuUsedM: number,
    pods: PodsAnswer,
    terminate = false,
  ): HeartbeatAnswerDto {
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const at = new Date().toISOString();
    const cpuUsage = millisToCores(cpuUsedM);
    this.log.add(nodeId, {
      at,
      cpu_usage: cpuUsage,
      latency_ms: Math.round(latencyMs * 100) / 100,
    });
    this.bus.publish({
      kind: 'heartbeat',
      data: {
        node_id: nodeId,
        node_name: nodeName,
        at,
        cpu_usage: cpuUsage,
        latency_ms: latencyMs,
        health_status: healthStatus,
      },
    });
    this.metrics.heartbeats.inc({ result: 'ok' });
    this.metrics.heartbeatSeconds.observe(latencyMs / 1000);
    return {
      node_id: nodeId,
      node_name: nodeName,
      health_status: healthStatus,
      terminate,
      heartbeat_interval_ms: this.config.heartbeatIntervalMs,
      ...pods,
    };
  }

  private flushing: Promise<void> | null = null;

  /**
   * Writes the buffered routine heartbeats (each tick, and before the monitor looks);
   * a node another process changed meanwhile goes back to the full path.
   */
  flush(): Promise<void> {
    if (!this.flushing) {
      this.flushing = this.flushOnce().finally(() => (this.flushing = null));
    }
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const taken = this.buffer.take();
    if (!taken.size) return;
    try {
      const odd = await this.heartbeatsRepository.flushHeartbeats(
        [...taken].map(([nodeId, b]) => ({
          nodeId,
          at: b.at,
          beats: b.beats,
          cpuUsedM: b.cpuUsedM,
          // a node without a routine state any more gets -1, so it is answered in full
          podsVersion: this.log.routineState(nodeId)?.version ?? -1,
        })),
      );
      databaseHealth.markUp();
      for (const row of odd) {
        // deleted meanwhile: forgotten; failed, stopped or its pods changed: the full path
        if (row.health_status === null) this.log.forget(row.id);
        else this.log.endRoutine(row.id);
      }
    } catch (err) {
      for (const nodeId of taken.keys()) this.log.endRoutine(nodeId);
      if (!isDatabaseUnavailable(err)) {
        // a batch the database refuses would be refused forever: these beats are dropped
        // (their nodes' next beats go the full way), so one bad beat cannot jam the writes
        this.logger.error(`could not write ${taken.size} heartbeats: ${(err as Error).message}`);
        return;
      }
      this.buffer.restore(taken);
      databaseHealth.markDown();
      throw err;
    }
  }

  async onModuleInit(): Promise<void> {
    await this.checkSealedSecrets();
    this.flushTimer = setInterval(
      () => void this.flush().catch(() => undefined),
      this.config.monitorIntervalMs,
    );
    this.flushTimer.unref();
  }

  private flushTimer?: NodeJS.Timeout;

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
   * The pods a node must run, from the cache while its pods_version holds. On a change,
   * only the pods whose spec_version moved are read again; a pod whose spec cannot be
   * delivered is marked failed with the reason and left out, so one pod never fails
   * the heartbeats of its node.
   */
  private async podsFor(nodeId: number, version: number): Promise<NodePods> {
    const cached = this.log.cachedPods(nodeId, version);
    if (cached) return cached;
    const index = await this.podsRepository.podIndexOfNode(nodeId);
    if (!index) return { version, entries: [] };
    const again = this.log.cachedPods(nodeId, index.version);
    if (again) return again;
    const previous = new Map((this.log.lastPods(nodeId)?.entries ?? []).map((e) => [e.id, e]));
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
    this.log.cachePods(nodeId, pods);
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

  /**
   * The agent's long poll: answers at once if the node's pods changed since the
   * version it knows, else when they change (through this replica or, by the ReplicaChannel,
   * another), else after the timeout.
   */
  async watch(nodeId: number, dto: WatchDto): Promise<WatchAnswerDto> {
    const deadline = Date.now() + (dto.timeout_ms ?? 25000);
    for (;;) {
      const version = await this.nodesRepository.podsVersion(nodeId);
      if (version === null) throw new NotFoundError('node', nodeId);
      if (version !== dto.pods_version) {
        const pods = await this.podsFor(nodeId, version);
        // an agent that sends what it holds gets the changes only, as its heartbeats do
        const answer = dto.pod_ids
          ? buildPodsAnswer(pods, dto.pods_version, dto.pod_ids)
          : buildPodsAnswer(pods, undefined, []);
        return { changed: true, ...answer, pod_ids: dto.pod_ids ? answer.pod_ids : undefined };
      }
      // a server on its way out sends the agent back to its heartbeats
      if (this.waiters.closing) throw new UnavailableError('the server is shutting down');
      const left = deadline - Date.now();
      if (left <= 0) return { pods_version: version, changed: false };
      // a change wakes us before its transaction commits: look again shortly after
      const woken = await this.waiters.waitForChange(nodeId, left);
      if (woken) await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Before the HTTP server stops: open watches must end or it would wait for them. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flush().catch(() => undefined);
    this.waiters.close();
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
