import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { randomBytes } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { BadInputError } from '../common/errors';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { APP_CONFIG, AppConfig, AUTOSCALER_DEFAULTS } from '../config/app-config';
import { NodesRepository } from '../database/nodes.repository';
import { PodsRepository } from '../database/pods.repository';
import { BindingsRepository } from '../database/bindings.repository';
import { SettingsRepository } from '../database/settings.repository';
import { DATABASE_URL } from '../database/database.module';
import { EventsService } from '../events/events.service';
import { LeaderLock } from '../database/leader-lock';
import { MetricsService } from '../metrics/metrics.service';
import { CreateNodeDto } from '../nodes/dto/create-node.dto';
import { NodesService } from '../nodes/nodes.service';
import { AutoscalerResponseDto, UpdateAutoscalerDto } from './dto/autoscaler.dto';
import {
  AUTOSCALED_LABEL,
  AUTOSCALED_PREFIX,
  AutoscalerSettings,
  decideScaling,
  Observed,
  podsFitOn,
  ScalingAction,
} from './scaling-decision';

const TICK = 'kubesim-autoscaler';
const SETTINGS_KEY = 'autoscaler';
/** its own advisory lock: the autoscaler's leader need not be the health monitor's */
const AUTOSCALER_LOCK = 7_414_003;
/** pending pods looked at per tick at most */
const PENDING_LIMIT = 5000;

/**
 * The cluster autoscaler: adds nodes (real agents, through the normal registration)
 * while pods wait for room, removes the nodes it added once they idle. The decision is
 * `decideScaling`, pure; `runOnce(now)` observes, decides and acts.
 */
@Injectable()
export class AutoscalerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AutoscalerService.name);
  private readonly lock: LeaderLock;
  private ticking = false;
  private underusedSince: Record<string, number> = {};
  /** explanations already given (a too-big pod, the cap reached), so each is one event */
  private explained = new Set<string>();
  private readonly decisions: Counter<'decision'>;
  private readonly nodesChanged: Counter<'direction'>;
  private readonly autoscaledNodes: Gauge;

  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly podsRepository: PodsRepository,
    private readonly bindings: BindingsRepository,
    private readonly settingsRepository: SettingsRepository,
    private readonly nodes: NodesService,
    private readonly events: EventsService,
    private readonly registry: SchedulerRegistry,
    metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.lock = new LeaderLock(databaseUrl, AUTOSCALER_LOCK, 'the cluster autoscaler');
    this.decisions = new Counter({
      name: 'kubesim_autoscaler_decisions_total',
      help: 'Decisions of the cluster autoscaler (scale_up, scale_down, too_big, at_max)',
      labelNames: ['decision'],
      registers: [metrics.registry],
    });
    this.nodesChanged = new Counter({
      name: 'kubesim_autoscaler_nodes_total',
      help: 'Nodes the cluster autoscaler added or removed',
      labelNames: ['direction'],
      registers: [metrics.registry],
    });
    this.autoscaledNodes = new Gauge({
      name: 'kubesim_autoscaler_autoscaled_nodes',
      help: 'Nodes the cluster autoscaler added that exist now',
      registers: [metrics.registry],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // the environment, when it names the autoscaler, sets it at start for every replica
    if (this.config.autoscaler) await this.saveSettings(this.config.autoscaler);
    if (!this.config.loopsEnabled) return;
    const handle = setInterval(() => void this.tick(), this.config.monitorIntervalMs);
    this.registry.addInterval(TICK, handle);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', TICK)) this.registry.deleteInterval(TICK);
    for (let waited = 0; this.ticking && waited < 10000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.lock.release();
  }

  async settings(): Promise<AutoscalerSettings> {
    const stored = await this.settingsRepository.getSetting(SETTINGS_KEY);
    if (!stored) return { ...AUTOSCALER_DEFAULTS };
    try {
      return { ...AUTOSCALER_DEFAULTS, ...(JSON.parse(stored) as Partial<AutoscalerSettings>) };
    } catch {
      return { ...AUTOSCALER_DEFAULTS };
    }
  }

  private saveSettings(settings: AutoscalerSettings): Promise<void> {
    return this.settingsRepository.putSetting(SETTINGS_KEY, JSON.stringify(settings));
  }

  async getAutoscaler(): Promise<AutoscalerResponseDto> {
    return this.answer(await this.settings());
  }

  async updateAutoscaler(dto: UpdateAutoscalerDto): Promise<AutoscalerResponseDto> {
    const was = await this.settings();
    const next: AutoscalerSettings = {
      enabled: dto.enabled ?? was.enabled,
      minNodes: dto.min_nodes ?? was.minNodes,
      maxNodes: dto.max_nodes ?? was.maxNodes,
      nodeCpuCores: dto.node_cpu_cores ?? was.nodeCpuCores,
      nodeMemoryMb: dto.node_memory_mb === undefined ? was.nodeMemoryMb : dto.node_memory_mb,
      scaleUpDelayS: dto.scale_up_delay_s ?? was.scaleUpDelayS,
      scaleDownIdleS: dto.scale_down_idle_s ?? was.scaleDownIdleS,
    };
    if (next.minNodes > next.maxNodes) {
      throw new BadInputError(
        `min_nodes (${next.minNodes}) must not exceed max_nodes (${next.maxNodes})`,
      );
    }
    await this.saveSettings(next);
    if (JSON.stringify(next) !== JSON.stringify(was)) {
      await this.events.record(
        'Normal',
        'AutoscalerChanged',
        'cluster/kubesim',
        `Cluster autoscaler ${next.enabled ? 'on' : 'off'}: ${next.minNodes}..${next.maxNodes} nodes of ${next.nodeCpuCores} cores${next.nodeMemoryMb === null ? '' : ` and ${next.nodeMemoryMb} MiB`}, scale-up delay ${next.scaleUpDelayS} s, scale-down after ${next.scaleDownIdleS} s idle`,
      );
    }
    return this.answer(next);
  }

  private async answer(s: AutoscalerSettings): Promise<AutoscalerResponseDto> {
    const all = await this.nodesRepository.allNodes();
    return {
      enabled: s.enabled,
      min_nodes: s.minNodes,
      max_nodes: s.maxNodes,
      node_cpu_cores: s.nodeCpuCores,
      node_memory_mb: s.nodeMemoryMb,
      scale_up_delay_s: s.scaleUpDelayS,
      scale_down_idle_s: s.scaleDownIdleS,
      worker_nodes: all.filter((n) => n.node_type === 'worker').length,
      autoscaled_nodes: all
        .filter((n) => n.labels?.[AUTOSCALED_LABEL] === 'true')
        .map((n) => n.name),
    };
  }

  /** One scheduled tick, on the replica holding the autoscaler's lock; never throws. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (!(await this.lock.acquire())) return;
      await this.runOnce(new Date());
    } catch (err) {
      if (!isDatabaseUnavailable(err)) {
        this.logger.error(`autoscaler tick failed: ${(err as Error).stack ?? err}`);
      }
    } finally {
      this.ticking = false;
    }
  }

  /** Observes the cluster, decides, acts; returns what it decided (tests read it). */
  async runOnce(now: Date): Promise<ScalingAction[]> {
    const settings = await this.settings();
    if (!settings.enabled) {
      // nothing to decide (decideScaling would do nothing): no need to observe every node
      this.autoscaledNodes.set(
        await this.nodesRepository.countNodesLabelled(AUTOSCALED_LABEL, 'true'),
      );
      this.underusedSince = {};
      return [];
    }
    const observed = await this.observe();
    this.autoscaledNodes.set(observed.nodes.filter((n) => n.autoscaled).length);
    const decision = decideScaling(settings, observed, now.getTime());
    this.underusedSince = decision.underusedSince;
    const stillPending = new Set(observed.pending.map((p) => p.name));
    for (const key of this.explained) {
      if (key.startsWith('pod/') && !stillPending.has(key.slice(4))) this.explained.delete(key);
    }
    if (!decision.actions.some((a) => a.kind === 'at-max')) this.explained.delete('at-max');
    for (const action of decision.actions) await this.act(action, settings);
    return decision.actions;
  }

  private async observe(): Promise<Observed> {
    const [views, pending] = await Promise.all([
      this.bindings.allNodeViews(),
      this.podsRepository.listPods({ status: 'pending', limit: PENDING_LIMIT, offset: 0 }),
    ]);
    const nodes = await Promise.all(
      views.map(async (view) => {
        const autoscaled = view.labels?.[AUTOSCALED_LABEL] === 'true';
        // only an added node may go, so only its pods matter to the decision
        const pods = autoscaled
          ? (await this.podsRepository.podsOfNode(view.id)).map((p) => ({
              cpuM: p.cpu_req_m,
              memoryMb: p.memory_req_mb,
            }))
          : [];
        return { view, autoscaled, pods };
      }),
    );
    return {
      nodes,
      pending: pending
        .filter((p) => p.node_id === null)
        .map((p) => ({
          name: p.name,
          cpuM: p.cpu_req_m,
          memoryMb: p.memory_req_mb,
          pendingSince: new Date(p.created_at).getTime(),
        })),
      underusedSince: this.underusedSince,
    };
  }

  private async act(action: ScalingAction, settings: AutoscalerSettings): Promise<void> {
    switch (action.kind) {
      case 'scale-up':
        return this.scaleUp(action.count, action.message, settings);
      case 'scale-down':
        return this.scaleDown(action.node, action.message);
      case 'too-big':
      case 'at-max': {
        const key = action.kind === 'too-big' ? `pod/${action.pod}` : 'at-max';
        if (this.explained.has(key)) return;
        this.explained.add(key);
        this.decisions.inc({ decision: action.kind === 'too-big' ? 'too_big' : 'at_max' });
        await this.events.record(
          'Warning',
          'NotTriggerScaleUp',
          action.kind === 'too-big' ? `pod/${action.pod}` : 'cluster/kubesim',
          action.message,
        );
      }
    }
  }

  private async scaleUp(count: number, message: string, s: AutoscalerSettings): Promise<void> {
    this.decisions.inc({ decision: 'scale_up' });
    await this.events.record('Normal', 'ScaleUp', 'cluster/kubesim', message);
    for (let i = 0; i < count; i++) {
      const dto: CreateNodeDto = {
        name: `${AUTOSCALED_PREFIX}${randomBytes(3).toString('hex')}`,
        cpu_cores: s.nodeCpuCores,
        memory_mb: s.nodeMemoryMb ?? undefined,
        labels: { [AUTOSCALED_LABEL]: 'true' },
      };
      try {
        await this.nodes.createNode(dto);
        this.nodesChanged.inc({ direction: 'added' });
      } catch (err) {
        // the next tick sees the pods still pending and tries again
        this.logger.warn(`could not add node ${dto.name}: ${(err as Error).message}`);
        await this.events.record(
          'Warning',
          'ScaleUpFailed',
          'cluster/kubesim',
          `ScaleUp: could not add node ${dto.name}: ${(err as Error).message}`,
        );
      }
    }
  }

  private async scaleDown(name: string, message: string): Promise<void> {
    const node = await this.nodesRepository.findNode(name);
    if (!node) return;
    // no new pod lands on it from now; then the decision is checked once more on fresh numbers
    await this.nodesRepository.setCordoned(node.id, true);
    const pods = (await this.podsRepository.podsOfNode(node.id)).map((p) => ({
      cpuM: p.cpu_req_m,
      memoryMb: p.memory_req_mb,
    }));
    const others = (await this.bindings.allNodeViews()).filter((v) => v.id !== node.id);
    if (!podsFitOn(pods, others)) {
      await this.nodesRepository.setCordoned(node.id, node.cordoned);
      return;
    }
    this.decisions.inc({ decision: 'scale_down' });
    await this.events.record('Normal', 'ScaleDown', `node/${name}`, message);
    try {
      await this.nodes.deleteNode(name);
      this.nodesChanged.inc({ direction: 'removed' });
    } catch (err) {
      this.logger.warn(`could not remove node ${name}: ${(err as Error).message}`);
    }
  }
}
