import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { millisToCores } from '../common/units';
import { Clock } from '../domain/clock';
import { NodeUsageDto, toSampleDto } from '../usage/dto/usage.dto';
import { UsageService } from '../usage/usage.service';
import {
  BadInputError,
  ConflictError,
  DomainError,
  NotFoundError,
  RuntimeUnsupportedError,
  UnavailableError,
} from '../common/errors';
import { coresToMillis, defaultMemoryMb } from '../common/units';
import { ConstraintCause } from '../scheduler/strategies/constraint-input';
import { parseTaints } from '../scheduler/strategies/taints';
import { Taint } from '../scheduler/strategies/types';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { EventsRepository } from '../database/events.repository';
import { isForeignKeyViolation } from '../database/pg-errors';
import { NodeRecord } from '../database/records';
import { AgentSpec, NODE_RUNTIME, NodeRuntime } from '../runtimes/node-runtime';
import { EventsService } from '../events/events.service';
import { SchedulerService } from '../scheduler/scheduler.service';
import { CreateNodeDto } from './dto/create-node.dto';
import {
  CreatedNodeDto,
  DeletedDto,
  NodeDetailDto,
  NodeHealthDto,
  NodeResponseDto,
} from './dto/node-response.dto';
import { ListNodesQuery } from './dto/list-nodes.query';
import { FailureMode } from './dto/simulate-failure.dto';
import { hashToken, newHeartbeatToken } from './heartbeat-tokens';
import { InjectedFailures } from './injected-failures';
import { HeartbeatCaches } from './heartbeat-caches';
import { HeartbeatSamples } from './heartbeat-samples';
import { TokenHashCache } from './token-hash-cache';
import { NodeNameCache } from './node-name-cache';
import { NodePodsCache } from './node-pods-cache';
import { reportedComponents, toNodeResponse } from './node.mapper';
import { NodeTimelineDto } from './dto/node-timeline.dto';
import { buildTimeline } from './node-timeline';

/** events shown on a node's timeline at most */
const TIMELINE_EVENTS = 500;

/** Node registration and the operations users run on nodes. */
@Injectable()
export class NodesService {
  private readonly logger = new Logger(NodesService.name);
  /** deletions under way here, so a concurrent delete of the same node waits and then finds it gone */
  private readonly deleting = new Map<number, Promise<unknown>>();

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly eventsRepository: EventsRepository,
    private readonly scheduler: SchedulerService,
    private readonly events: EventsService,
    private readonly heartbeatSamples: HeartbeatSamples,
    private readonly tokens: TokenHashCache,
    private readonly heartbeatCaches: HeartbeatCaches,
    private readonly names: NodeNameCache,
    private readonly nodePods: NodePodsCache,
    @Inject(NODE_RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly usage: UsageService,
    private readonly injected: InjectedFailures,
    private readonly clock: Clock,
  ) {}

  async createNode(dto: CreateNodeDto): Promise<CreatedNodeDto> {
    const cores = dto.cpu_cores_avail ?? dto.cpu_cores;
    const token = newHeartbeatToken();
    const managed = this.runtime.manages && dto.agent !== 'external';
    const nodeType = dto.node_type ?? 'worker';
    const runtime = managed ? this.runtime.kind : 'external';
    const registered = `Node ${dto.name} registered (${cores} cores, ${nodeType}, ${runtime} runtime)`;
    const { node, event } = await this.nodesRepository.insertNode({
      name: dto.name,
      nodeType,
      cpuTotalM: coresToMillis(cores!),
      memoryTotalMb: dto.memory_mb ?? defaultMemoryMb(coresToMillis(cores!)),
      labels: dto.labels ?? {},
      tokenHash: hashToken(token),
      runtime,
      // a node kubesim runs is registered once its agent started: its event waits for that
      registeredMessage: managed ? undefined : registered,
    });
    // its first heartbeat needs no read: the token is known, and a new node has no pods
    this.names.remember(node.id, node.name);
    this.tokens.set(node.id, node.token_hash);
    this.nodePods.cache(node.id, { version: node.pods_version, entries: [] });
    if (managed) {
      try {
        const ref = await this.runtime.launch(this.agentSpec(node, token));
        await this.nodesRepository.setRuntimeRef(node.id, ref);
        node.runtime_ref = ref;
      } catch (err) {
        // nothing half-created stays behind
        await this.runtime.remove(node).catch(() => undefined);
        await this.nodesRepository.deleteNodeRow(node.id);
        this.heartbeatCaches.forget(node.id);
        throw new UnavailableError(
          `could not start the agent of node ${node.name}: ${(err as Error).message}`,
        );
      }
    }
    if (event) this.events.announce([event]);
    else await this.events.record('Normal', 'RegisteredNode', `node/${node.name}`, registered);
    return { ...toNodeResponse(node), pod_ids: [], heartbeat_token: token };
  }

  async listNodes(query: ListNodesQuery): Promise<NodeResponseDto[]> {
    const rows = await this.nodesRepository.listNodes({
      status: query.status,
      nodeType: query.node_type,
      after: query.after,
      limit: query.limit ?? 100,
      offset: query.offset ?? 0,
    });
    return rows.map(toNodeResponse);
  }

  async getNode(ref: string): Promise<NodeDetailDto> {
    const node = await this.mustFind(ref);
    return { ...toNodeResponse(node), pod_ids: await this.podsRepository.podIdsOfNode(node.id) };
  }

  async nodesHealth(now = this.clock.now()): Promise<NodeHealthDto[]> {
    const nodes = await this.nodesRepository.allNodes();
    return nodes.map((n) => {
      const since = n.last_heartbeat_at
        ? (now.getTime() - new Date(n.last_heartbeat_at).getTime()) / 1000
        : null;
      const silentFor =
        (now.getTime() - new Date(n.last_heartbeat_at ?? n.created_at).getTime()) / 1000;
      return {
        id: n.id,
        name: n.name,
        health_status: n.health_status,
        last_heartbeat_at: n.last_heartbeat_at ? new Date(n.last_heartbeat_at).toISOString() : null,
        seconds_since_heartbeat: since === null ? null : Math.round(since * 10) / 10,
        missed_heartbeats: Math.max(
          0,
          Math.floor((silentFor * 1000) / this.config.heartbeatIntervalMs),
        ),
        recovery_attempts: n.recovery_attempts,
        heartbeat_count: n.heartbeat_count,
        components: reportedComponents(n),
      };
    });
  }

  /** Heartbeats folded into runs and silences, with the node's and its pods' events. */
  async timeline(ref: string, now = this.clock.now()): Promise<NodeTimelineDto> {
    const node = await this.mustFind(ref);
    const samples = this.heartbeatSamples.samples(node.id);
    const events = await this.eventsRepository.nodeTimelineEvents(node.name, TIMELINE_EVENTS);
    return {
      node: node.name,
      health_status: node.health_status,
      heartbeats: {
        total: node.heartbeat_count,
        last_at: node.last_heartbeat_at ? new Date(node.last_heartbeat_at).toISOString() : null,
        sampled: samples.length,
        interval_ms: this.config.heartbeatIntervalMs,
      },
      entries: buildTimeline(samples, events, this.config.heartbeatIntervalMs, now),
    };
  }

  async heartbeats(ref: string) {
    const node = await this.mustFind(ref);
    return this.heartbeatSamples.samples(node.id);
  }

  /** The node's reported CPU and memory use, oldest first (cores and MiB). */
  async nodeUsage(ref: string, limit?: number): Promise<NodeUsageDto> {
    const node = await this.mustFind(ref);
    return {
      node_id: node.id,
      node_name: node.name,
      cpu_cores_total: millisToCores(node.cpu_total_m),
      memory_mb: node.memory_total_mb,
      samples: this.usage.nodeSamples(node.id, limit).map(toSampleDto),
    };
  }

  async setCordoned(ref: string, cordoned: boolean): Promise<NodeResponseDto> {
    const node = await this.mustFind(ref);
    if (node.cordoned !== cordoned) {
      await this.nodesRepository.setCordoned(node.id, cordoned);
      await this.events.record(
        'Normal',
        cordoned ? 'NodeNotSchedulable' : 'NodeSchedulable',
        `node/${node.name}`,
        cordoned ? `Node ${node.name} cordoned: no new pods` : `Node ${node.name} uncordoned`,
      );
      if (!cordoned) void this.scheduler.retryPending();
    }
    return toNodeResponse((await this.nodesRepository.findNode(node.id))!);
  }

  /**
   * Replaces the node's taints. A NoExecute taint keeps the time it was first added (its
   * pods' tolerationSeconds count from it); the monitor's next tick evicts what no longer
   * tolerates the node, and pending pods are tried again when a taint went away.
   */
  async setTaints(ref: string, raw: unknown): Promise<NodeResponseDto> {
    const node = await this.mustFind(ref);
    const causes: ConstraintCause[] = [];
    const taints = parseTaints(raw, 'taints', causes);
    if (causes.length)
      throw new BadInputError(causes.map((c) => `${c.field}: ${c.message}`).join('; '));
    const now = new Date().toISOString();
    const before = node.taints ?? [];
    const same = (a: Taint, b: Taint) => a.key === b.key && a.effect === b.effect;
    const next = taints.map((t) => {
      const { timeAdded: _ignored, ...rest } = t;
      if (t.effect !== 'NoExecute') return rest;
      const old = before.find((b) => same(b, t) && (b.value ?? '') === (t.value ?? ''));
      return { ...rest, timeAdded: old?.timeAdded ?? now };
    });
    const text = (list: Taint[]) =>
      list.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ') || 'none';
    if (text(before) !== text(next)) {
      await this.nodesRepository.setTaints(node.id, next);
      await this.events.record(
        'Normal',
        'TaintsChanged',
        `node/${node.name}`,
        `Node ${node.name} taints: ${text(next)}`,
      );
      if (before.some((b) => !next.some((t) => same(b, t)))) void this.scheduler.retryPending();
    }
    return toNodeResponse((await this.nodesRepository.findNode(node.id))!);
  }

  /**
   * Graceful stop: pods go elsewhere first, then the agent stops; the monitor leaves it be.
   * An external node's agent is not ours to stop: its next heartbeat is told to terminate.
   */
  async stopNode(ref: string): Promise<NodeResponseDto> {
    const node = await this.mustFind(ref);
    const external = node.runtime === 'external';
    if (!external) this.requireManaged(node, 'stop');
    if (node.health_status === 'stopped') return toNodeResponse(node);
    await this.nodesRepository.setNodeStatus(node.id, 'stopped');
    await this.scheduler.evictAndReschedule(node, 'node stopped by the user');
    if (!external) await this.callRuntime(() => this.runtime.stop(node));
    await this.events.record(
      'Normal',
      'NodeStopped',
      `node/${node.name}`,
      `Node ${node.name} stopped; its pods were moved`,
    );
    return toNodeResponse((await this.nodesRepository.findNode(node.id))!);
  }

  /**
   * A new heartbeat token for an external node, for the agent that takes it over (the old
   * token stops working); a stopped or permanently failed node is pending again until that
   * agent's first heartbeat. kubesim launches managed agents itself: those are restarted.
   */
  async issueNodeToken(ref: string): Promise<CreatedNodeDto> {
    const node = await this.mustFind(ref);
    if (node.runtime !== 'external') {
      throw new RuntimeUnsupportedError(
        `node ${node.name} has its agent launched by kubesim (${node.runtime} runtime): restart it instead (POST /nodes/${node.name}/restart)`,
      );
    }
    const token = newHeartbeatToken();
    await this.nodesRepository.replaceNodeToken(node.id, hashToken(token));
    this.tokens.forget(node.id);
    await this.events.record(
      'Normal',
      'NodeTokenIssued',
      `node/${node.name}`,
      `New heartbeat token for ${node.name}: a new agent takes it over, the old token no longer works`,
    );
    const updated = (await this.nodesRepository.findNode(node.id))!;
    return {
      ...toNodeResponse(updated),
      pod_ids: await this.podsRepository.podIdsOfNode(node.id),
      heartbeat_token: token,
    };
  }

  /** Starts the node's agent afresh (a new heartbeat token); a permanently failed node starts over. */
  async restartNode(ref: string): Promise<NodeResponseDto> {
    const node = await this.mustFind(ref);
    this.requireManaged(node, 'restart');
    await this.relaunch(node, 'restart requested by the user');
    return toNodeResponse((await this.nodesRepository.findNode(node.id))!);
  }

  /** Used by the user's restart and by the health monitor's recovery. */
  async relaunch(
    node: NodeRecord,
    why: string,
    attempts = 0,
    nextRecoveryAt: Date | null = null,
  ): Promise<void> {
    const token = newHeartbeatToken();
    await this.nodesRepository.setNodeTokenHash(node.id, hashToken(token));
    this.tokens.forget(node.id);
    this.injected.clear(node.id);
    await this.nodesRepository.setNodeStatus(node.id, 'recovering', {
      recoveryAttempts: attempts,
      nextRecoveryAt,
    });
    await this.events.record(
      'Normal',
      'NodeRestarting',
      `node/${node.name}`,
      `Restarting the agent of ${node.name}: ${why}`,
    );
    const ref = await this.callRuntime(() => this.runtime.restart(this.agentSpec(node, token)));
    await this.nodesRepository.setRuntimeRef(node.id, ref);
  }

  async simulateFailure(ref: string, mode: FailureMode): Promise<NodeResponseDto> {
    const node = await this.mustFind(ref);
    this.requireManaged(node, 'fail');
    if (!['healthy', 'not_ready', 'pending', 'recovering'].includes(node.health_status)) {
      throw new ConflictError(
        `node ${node.name} is ${node.health_status}: only a running agent can be made to fail`,
      );
    }
    await this.callRuntime(() => this.runtime.fail(node, mode));
    this.injected.injected(node.id);
    await this.events.record(
      'Warning',
      'FailureInjected',
      `node/${node.name}`,
      `Simulated ${mode} of ${node.name}; the health monitor will notice the missing heartbeats`,
    );
    return toNodeResponse((await this.nodesRepository.findNode(node.id))!);
  }

  /**
   * When a failure was injected into the node (through any replica), while the node has not
   * been restarted since: its silence is then no connectivity doubt.
   */
  failureInjectedAt(nodeId: number): number | undefined {
    return this.injected.injectedAt(nodeId);
  }

  /**
   * Drains the node (its pods back through the scheduler), removes its agent, deletes it.
   * Of concurrent deletes of one node exactly one succeeds; the others find it gone (404).
   */
  async deleteNode(ref: string): Promise<DeletedDto> {
    const node = await this.mustFind(ref);
    const under = this.deleting.get(node.id);
    if (under) {
      await under.catch(() => undefined);
      return this.deleteNode(ref);
    }
    const work = this.drainAndDelete(node);
    this.deleting.set(node.id, work);
    try {
      return await work;
    } finally {
      this.deleting.delete(node.id);
    }
  }

  private async drainAndDelete(node: NodeRecord): Promise<DeletedDto> {
    await this.nodesRepository.setCordoned(node.id, true);
    const { moved, pending } = await this.scheduler.evictAndReschedule(node, 'node deleted');
    if (node.runtime === this.runtime.kind) await this.callRuntime(() => this.runtime.remove(node));
    // finished pods have nothing to move: they go with their node
    await this.podsRepository.deleteFinishedPodsOfNode(node.id);
    // another replica may have deleted it meanwhile: the row's deletion decides who reports it
    const deleted = await this.deleteRowOnceEmpty(node);
    this.heartbeatCaches.forget(node.id);
    this.injected.clear(node.id);
    if (!deleted) throw new NotFoundError('node', node.name);
    await this.events.record(
      'Normal',
      'RemovingNode',
      `node/${node.name}`,
      `Node ${node.name} deleted`,
    );
    return {
      deleted: true,
      id: node.id,
      name: node.name,
      rescheduled_pod_ids: [...moved, ...pending],
    };
  }

  /**
   * Deletes the node's row. A cordoned node still takes DaemonSet pods (they tolerate the
   * cordon), so one may have been bound while the node drained: it goes with the node, and
   * the row is deleted again.
   */
  private async deleteRowOnceEmpty(node: NodeRecord): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.nodesRepository.deleteNodeRow(node.id);
      } catch (err) {
        if (!isForeignKeyViolation(err) || attempt >= 5) throw err;
        await this.scheduler.evictAndReschedule(node, 'node deleted');
        await this.podsRepository.deleteFinishedPodsOfNode(node.id);
      }
    }
  }

  async mustFind(ref: string | number): Promise<NodeRecord> {
    const node = await this.nodesRepository.findNode(ref);
    if (!node) throw new NotFoundError('node', ref);
    return node;
  }

  agentSpec(node: NodeRecord, token: string): AgentSpec {
    return {
      id: node.id,
      name: node.name,
      nodeType: node.node_type,
      cpuCores: node.cpu_total_m / 1000,
      memoryMb: node.memory_total_mb,
      token,
    };
  }

  private requireManaged(node: NodeRecord, action: string): void {
    if (!this.runtime.manages || node.runtime !== this.runtime.kind) {
      throw new RuntimeUnsupportedError(
        `cannot ${action} node ${node.name}: its agent runs outside kubesim's control (${node.runtime} runtime)`,
      );
    }
  }

  private async callRuntime<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      // what the runtime says of the node itself (409) or of its engine (503) stands as it is
      if (err instanceof DomainError) throw err;
      this.logger.warn(`runtime ${this.runtime.kind} failed: ${(err as Error).message}`);
      throw new UnavailableError(`${this.runtime.kind} runtime: ${(err as Error).message}`);
    }
  }
}
