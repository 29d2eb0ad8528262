import { Inject, Injectable, Logger } from '@nestjs/common';
import { DatabaseHealth } from '../database/database-health';
import { HeartbeatBuffer } from './heartbeat-buffer';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NotFoundError } from '../common/errors';
import { coresToMillis, millisToCores } from '../common/units';
import { Clock } from '../domain/clock';
import { PodsRepository } from '../database/pods.repository';
import { BindingsRepository } from '../database/bindings.repository';
import { HeartbeatsRepository } from '../database/heartbeats.repository';
import { ContainerLogsRepository } from '../database/container-logs.repository';
import { StoreChanges } from '../database/store-changes';
import { ClusterBus } from '../events/cluster-bus';
import { EventsService } from '../events/events.service';
import { MetricsService } from '../metrics/metrics.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { UsageService } from '../usage/usage.service';
import { ContainerReportDto, HeartbeatDto, TerminatedDto } from './dto/heartbeat.dto';
import { HeartbeatAnswerDto } from './dto/node-response.dto';
import { HeartbeatCaches } from './heartbeat-caches';
import { HeartbeatSamples } from './heartbeat-samples';
import { NodePods, NodePodsCache } from './node-pods-cache';
import { ReportFingerprints } from './report-fingerprints';
import { RoutineBeats } from './routine-beats';
import { NodePodsReader } from './node-pods-reader';
import { buildPodsAnswer, PodsAnswer } from './pods-answer';

const TERMINAL = new Set(['permanently_failed', 'stopped']);

/** lines kept per container for `kubectl logs` */
export const LOG_LINES_PER_CONTAINER = 1000;

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

/**
 * An agent's heartbeat, recorded and answered: a routine one (a healthy node reporting
 * nothing new) into the `HeartbeatBuffer` (written by `HeartbeatFlusher`), one with news
 * to the database at once, with its events. The answer's pods come from `NodePodsReader`;
 * the token check is `HeartbeatTokenAuth`'s, the long poll `AssignmentWatch`'s.
 */
@Injectable()
export class HeartbeatService {
  private readonly logger = new Logger(HeartbeatService.name);

  constructor(
    private readonly podsRepository: PodsRepository,
    private readonly bindings: BindingsRepository,
    private readonly heartbeatsRepository: HeartbeatsRepository,
    private readonly containerLogs: ContainerLogsRepository,
    changes: StoreChanges,
    private readonly scheduler: SchedulerService,
    private readonly events: EventsService,
    private readonly routine: RoutineBeats,
    private readonly nodePods: NodePodsCache,
    private readonly fingerprints: ReportFingerprints,
    private readonly samples: HeartbeatSamples,
    private readonly caches: HeartbeatCaches,
    private readonly buffer: HeartbeatBuffer,
    private readonly podsReader: NodePodsReader,
    private readonly bus: ClusterBus,
    private readonly metrics: MetricsService,
    private readonly usage: UsageService,
    private readonly databaseHealth: DatabaseHealth,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // a node's pods changed (here or on another replica): its next beat is answered in full
    changes.onPodsChanged((nodeId) => this.routine.end(nodeId));
    // a status or cordon change made here: those nodes' (or every node's) next beat is checked in full
    changes.onNodesChanged((ids) =>
      ids ? ids.forEach((id) => this.routine.end(id)) : this.routine.end(),
    );
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
    const routine = this.routine.state(nodeId);
    if (
      routine &&
      this.databaseHealth.up &&
      beat.health_status === 'healthy' &&
      routine.components === components &&
      failedPodIds.length === 0 &&
      this.nodePods.newlyRunning(nodeId, reportedRunning).length === 0 &&
      [...fingerprints].every(([podId, fp]) => !this.fingerprints.wouldChange(nodeId, podId, fp))
    ) {
      const pods = this.nodePods.at(nodeId, routine.version);
      if (pods) {
        this.buffer.record(nodeId, cpuUsedM, this.clock.now());
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
      runningPodIds: this.nodePods.newlyRunning(nodeId, reportedRunning),
      failedPodIds,
      terminating: beat.health_status === 'terminating',
    });
    if (!outcome) {
      this.caches.forget(nodeId);
      this.buffer.forget(nodeId);
      throw new NotFoundError('node', nodeId);
    }
    this.databaseHealth.markUp();
    const { node, previousStatus, startedPodIds } = outcome;
    // NodeReady or NodeRecovered, stored with the beat
    if (outcome.event) this.events.announce([outcome.event]);
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
        this.fingerprints.changed(nodeId, pod.id, fingerprints.get(pod.id)!) ||
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
      const name = this.nodePods.last(nodeId)?.entries.find((e) => e.id === id)?.name;
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
      pods =
        previousStatus === 'pending' && node.pods_version === 0
          ? this.podsReader.noPodsYet(nodeId)
          : await this.podsReader.podsFor(nodeId, node.pods_version);
      if (node.health_status === 'healthy') {
        this.nodePods.markRunning(nodeId, reportedRunning, failedPodIds);
        if (beat.health_status === 'healthy') {
          this.routine.set(nodeId, { name: node.name, components, version: pods.version });
        }
      }
    }
    // a pod neither on the node now nor in this report is never compared again
    this.fingerprints.keepOnly(nodeId, [...pods.entries.map((e) => e.id), ...fingerprints.keys()]);
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

    if (terminate) this.routine.end(nodeId);
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
      names ??= new Map((this.nodePods.last(nodeId)?.entries ?? []).map((e) => [e.id, e.name]));
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
    const at = this.clock.now().toISOString();
    const cpuUsage = millisToCores(cpuUsedM);
    this.samples.add(nodeId, {
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
}
