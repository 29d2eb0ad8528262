import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DATABASE_URL } from '../database/database.module';
import { LeaderLock } from '../database/leader-lock';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { WorkloadPodRow, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { UsageService } from '../usage/usage.service';
import {
  decideReplicas,
  HpaDecision,
  HpaPod,
  hpaTargetOf,
  Recommendation,
} from './core/hpa-decision';
import { matchesSelector } from './core/label-selector';
import { WorkloadsReconcilerService } from './workloads-reconciler.service';

/** its own advisory lock: one replica runs the autoscalers */
export const HPA_LOCK = 7_414_005;
const TICK = 'kubesim-horizontal-pod-autoscalers';
const ENDED = new Set(['succeeded', 'failed']);

const condition = (type: string, status: boolean, reason: string, message: string, at: string) => ({
  type,
  status: status ? 'True' : 'False',
  lastTransitionTime: at,
  reason,
  message,
});

/**
 * The HorizontalPodAutoscaler controller: on the holder of its advisory lock, every sync
 * period (a heartbeat interval, as use cannot be known more often), each autoscaler reads its
 * Deployment's pods and their latest CPU use, asks the pure `decideReplicas`, writes the
 * Deployment's replicas when they change, and its own status. Recommendations for the
 * stabilisation windows are kept in memory, as Kubernetes' controller keeps them.
 */
@Injectable()
export class HorizontalPodAutoscalerService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(HorizontalPodAutoscalerService.name);
  private readonly lock: LeaderLock;
  private readonly recommendations = new Map<string, Recommendation[]>();
  private ticking = false;

  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly usage: UsageService,
    private readonly events: EventsService,
    private readonly workloads: WorkloadsReconcilerService,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.lock = new LeaderLock(databaseUrl, HPA_LOCK, 'the horizontal pod autoscalers');
  }

  /** how often each autoscaler is synced: a heartbeat brings new use no more often */
  get syncPeriodMs(): number {
    return Math.max(this.config.monitorIntervalMs, this.config.heartbeatIntervalMs);
  }

  onApplicationBootstrap(): void {
    if (!this.config.loopsEnabled) return;
    this.registry.addInterval(
      TICK,
      setInterval(() => void this.tick(), this.syncPeriodMs),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.registry.doesExist('interval', TICK)) this.registry.deleteInterval(TICK);
    for (let waited = 0; this.ticking && waited < 10000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.lock.release();
  }

  /** Syncs soon (a new autoscaler need not wait a full period). */
  poke(): void {
    if (this.config.loopsEnabled) setTimeout(() => void this.tick(), 20).unref();
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      if (!(await this.lock.acquire())) return;
      await this.runOnce(Date.now());
    } catch (err) {
      if (!isDatabaseUnavailable(err))
        this.logger.error(`autoscaler sync failed: ${(err as Error).stack ?? err}`);
    } finally {
      this.ticking = false;
    }
  }

  async runOnce(nowMs: number): Promise<void> {
    const autoscalers = await this.repo.list('horizontal_pod_autoscalers');
    if (!autoscalers.length) {
      this.recommendations.clear();
      return;
    }
    const pods = await this.repo.podsForControllers();
    const live = new Set<string>();
    for (const hpa of autoscalers) {
      live.add(hpa.uid);
      try {
        await this.sync(hpa, pods, nowMs);
      } catch (err) {
        if (isDatabaseUnavailable(err)) throw err;
        this.logger.warn(`autoscaler ${hpa.namespace}/${hpa.name}: ${(err as Error).message}`);
      }
    }
    for (const uid of this.recommendations.keys())
      if (!live.has(uid)) this.recommendations.delete(uid);
  }

  private async sync(hpa: WorkloadRow, allPods: WorkloadPodRow[], nowMs: number): Promise<void> {
    const at = new Date(nowMs).toISOString();
    const ref = hpa.spec.scaleTargetRef as { kind: string; name: string };
    const status = (hpa.status ?? {}) as Record<string, any>;
    const deployment = await this.repo.find('deployments', hpa.namespace, ref.name);
    if (!deployment || deployment.deletion_timestamp) {
      await this.repo.setStatus('horizontal_pod_autoscalers', hpa.id, {
        ...status,
        observedGeneration: Number(hpa.generation),
        currentReplicas: 0,
        desiredReplicas: 0,
        conditions: [
          condition(
            'AbleToScale',
            false,
            'FailedGetScale',
            `the HPA controller was unable to get the target's current scale: deployments.apps "${ref.name}" not found`,
            at,
          ),
        ],
      });
      return;
    }
    const current = Number(deployment.spec.replicas ?? 1);
    const pods: HpaPod[] = allPods
      .filter(
        (p) =>
          p.namespace === hpa.namespace &&
          !ENDED.has(p.status) &&
          matchesSelector(deployment.spec.selector, p.labels ?? {}),
      )
      .map((p) => ({
        requestCores: (p.cpu_req_m ?? 0) / 1000,
        usageCores:
          p.status === 'running' ? (this.usage.latestPod(p.id, nowMs)?.point.cpu ?? null) : null,
      }));
    const target = hpaTargetOf(hpa.spec);
    const decision = decideReplicas(
      target,
      current,
      pods,
      this.recommendations.get(hpa.uid) ?? [],
      nowMs,
    );
    this.recommendations.set(hpa.uid, decision.recommendations);

    let lastScaleTime: string | undefined = status.lastScaleTime;
    if (decision.desiredReplicas !== current) {
      const written = await this.repo.update(
        'deployments',
        deployment.namespace,
        deployment.name,
        {
          labels: deployment.labels,
          annotations: deployment.annotations,
          ownerReferences: deployment.owner_references,
          spec: { ...deployment.spec, replicas: decision.desiredReplicas },
        },
        deployment.resource_version,
      );
      // written meanwhile (kubectl scale, another change): the next period decides again
      if (written) {
        lastScaleTime = at;
        this.workloads.poke();
        await this.events.record(
          'Normal',
          'SuccessfulRescale',
          `horizontalpodautoscaler/${hpa.name}`,
          `New size: ${decision.desiredReplicas}; reason: ${this.why(decision, current, target.targetUtilization)}`,
          hpa.namespace,
        );
      }
    }
    await this.repo.setStatus('horizontal_pod_autoscalers', hpa.id, {
      observedGeneration: Number(hpa.generation),
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas: current,
      desiredReplicas: decision.desiredReplicas,
      ...(decision.currentUtilization !== null
        ? {
            currentMetrics: [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  current: {
                    averageUtilization: decision.currentUtilization,
                    averageValue: this.averageValue(pods),
                  },
                },
              },
            ],
          }
        : {}),
      conditions: this.conditions(decision, at, status.conditions, target.maxReplicas),
    });
  }

  private why(d: HpaDecision, current: number, target: number): string {
    if (d.reason === 'TooManyReplicas') return 'Current number of replicas above Spec.MaxReplicas';
    if (d.reason === 'TooFewReplicas') return 'Current number of replicas below Spec.MinReplicas';
    return `cpu resource utilization (percentage of request) ${d.desiredReplicas > current ? 'above' : 'below'} target (${d.currentUtilization}% of ${target}%)`;
  }

  /** The measured pods' mean use, as a quantity (`90m`). */
  private averageValue(pods: HpaPod[]): string {
    const measured = pods.filter((p) => p.usageCores !== null);
    const mean = measured.reduce((s, p) => s + p.usageCores!, 0) / Math.max(1, measured.length);
    return `${Math.round(mean * 1000)}m`;
  }

  /** Kubernetes' three conditions; a transition time moves only when its status does. */
  private conditions(
    d: HpaDecision,
    at: string,
    previous: Array<Record<string, string>> = [],
    maxReplicas = Infinity,
  ) {
    const keep = (c: Record<string, string>) => {
      const before = previous.find((p) => p.type === c.type);
      return before && before.status === c.status
        ? { ...c, lastTransitionTime: before.lastTransitionTime }
        : c;
    };
    const active =
      d.reason === 'NoMetrics'
        ? condition(
            'ScalingActive',
            false,
            'FailedGetResourceMetric',
            'the HPA was unable to compute the replica count: no recent CPU use for its pods',
            at,
          )
        : d.reason === 'ScalingDisabled'
          ? condition(
              'ScalingActive',
              false,
              'ScalingDisabled',
              'scaling is disabled since the replica count of the target is zero',
              at,
            )
          : condition(
              'ScalingActive',
              true,
              'ValidMetricFound',
              'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
              at,
            );
    const able =
      d.reason === 'ScaleDownStabilized'
        ? condition(
            'AbleToScale',
            true,
            'ScaleDownStabilized',
            'recent recommendations were higher than current one, applying the highest recent recommendation',
            at,
          )
        : condition(
            'AbleToScale',
            true,
            'ReadyForNewScale',
            'recommended size matches current size',
            at,
          );
    const limited = condition(
      'ScalingLimited',
      d.limited,
      d.limited
        ? d.desiredReplicas >= maxReplicas
          ? 'TooManyReplicas'
          : 'TooFewReplicas'
        : 'DesiredWithinRange',
      d.limited
        ? 'the desired replica count is at the edge of minReplicas..maxReplicas'
        : 'the desired count is within the acceptable range',
      at,
    );
    return [able, active, limited].map(keep);
  }
}
