import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Subscription } from 'rxjs';
import { isDatabaseUnavailable } from '../database/pg-errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DATABASE_URL } from '../database/database.module';
import { WorkloadsRepository } from '../database/workloads.repository';
import { ClusterBus } from '../events/cluster-bus';
import { LeaderLock } from '../database/leader-lock';
import { ControlledPods } from './controlled-pods';
import { controllerOf, OwnerReference } from './core/types';
import { DaemonSetSync } from './daemon-set-sync';
import { DeploymentSync } from './deployment-sync';
import { JobSync } from './job-sync';
import { ReplicaSetSync } from './replica-set-sync';
import { toDaemonNodeView } from './workload-views';

/** its own advisory lock: the workload controllers lead apart from the other loops */
export const WORKLOADS_LOCK = 7_414_004;
const TICK = 'kubesim-workloads';

/**
 * The ReplicaSet, Deployment, Job and DaemonSet controllers: one leader reconciles every workload on
 * each change in the cluster (an event on the bus) and on a periodic resync. Every step
 * is idempotent: a sync reads the state again and does only what is missing. Each kind's
 * sync is a class of its own; this loop runs them in order and collects the garbage.
 */
@Injectable()
export class WorkloadsReconcilerService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(WorkloadsReconcilerService.name);
  private readonly lock: LeaderLock;
  private ticking = false;
  private again = false;
  private soon: NodeJS.Timeout | null = null;
  /**
   * Whether the last sync found any workload: without one, a cluster event has nothing to
   * wake (a bare pod's creation is one), and reading every pod for it cost pod creations
   * half their rate at 15,000 pods. A workload made anywhere is seen by the next tick.
   */
  private hasWorkloads = false;
  private subscription: Subscription | null = null;

  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly deploymentSync: DeploymentSync,
    private readonly replicaSetSync: ReplicaSetSync,
    private readonly jobSync: JobSync,
    private readonly daemonSetSync: DaemonSetSync,
    private readonly controlled: ControlledPods,
    private readonly bus: ClusterBus,
    private readonly registry: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.lock = new LeaderLock(databaseUrl, WORKLOADS_LOCK, 'the workload controllers');
  }

  onApplicationBootstrap(): void {
    if (!this.config.loopsEnabled) return;
    this.registry.addInterval(
      TICK,
      setInterval(() => void this.tick(), this.config.monitorIntervalMs),
    );
    // a change anywhere (a pod bound, started, deleted; a node failed) wakes the loop
    this.subscription = this.bus.messages.subscribe((m) => {
      if (m.kind === 'event' && this.hasWorkloads) this.poke();
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.subscription?.unsubscribe();
    if (this.soon) clearTimeout(this.soon);
    if (this.registry.doesExist('interval', TICK)) this.registry.deleteInterval(TICK);
    for (let waited = 0; this.ticking && waited < 10000; waited += 50) {
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.lock.release();
  }

  /** Asks for a sync shortly (changes arriving together make one sync). */
  poke(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.tick();
    }, 20);
  }

  async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      if (!(await this.lock.acquire())) return;
      await this.runOnce(Date.now());
    } catch (err) {
      if (!isDatabaseUnavailable(err)) {
        this.logger.error(`workload sync failed: ${(err as Error).stack ?? err}`);
      }
    } finally {
      this.ticking = false;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    }
  }

  /** One sync of every Deployment, then every ReplicaSet, every Job and every DaemonSet. */
  async runOnce(now: number): Promise<void> {
    const deployments = await this.repo.list('deployments');
    let sets = await this.repo.list('replica_sets');
    const deploymentUids = new Set(deployments.map((d) => d.uid));
    for (const d of deployments) await this.deploymentSync.syncDeployment(d, sets, now);
    sets = await this.repo.list('replica_sets');
    // garbage collection: a ReplicaSet whose Deployment is gone goes too (background deletion)
    for (const rs of sets) {
      const owner = controllerOf((rs.owner_references ?? []) as OwnerReference[]);
      if (owner?.kind === 'Deployment' && !deploymentUids.has(owner.uid)) {
        await this.repo.markDeleting('replica_sets', rs.id, []);
        rs.deletion_timestamp = new Date();
      }
    }
    // the owners are read before the pods: an owner deleted with --cascade=orphan in between
    // has already cleared its pods' references, so none is taken for garbage
    const jobs = await this.repo.list('jobs');
    const jobUids = new Set(jobs.map((j) => j.uid));
    const daemonSets = await this.repo.list('daemon_sets');
    const daemonSetUids = new Set(daemonSets.map((d) => d.uid));
    this.hasWorkloads = deployments.length + sets.length + jobs.length + daemonSets.length > 0;
    // with no ReplicaSet, Job or DaemonSet, only pods a vanished owner left have anything to sync
    const pods = await this.repo.podsForControllers(
      !sets.length && !jobs.length && !daemonSets.length,
    );
    const setUids = new Set(sets.map((rs) => rs.uid));
    for (const rs of sets) await this.replicaSetSync.syncReplicaSet(rs, pods, now);
    for (const job of jobs) await this.jobSync.syncJob(job, pods, now);
    if (daemonSets.length) {
      const nodes = (await this.repo.nodesForDaemonSets()).map(toDaemonNodeView);
      for (const ds of daemonSets) await this.daemonSetSync.syncDaemonSet(ds, nodes, pods, now);
    }
    // garbage collection: a pod whose controller is gone goes too (background deletion)
    for (const pod of pods) {
      const owner = controllerOf((pod.owner_references ?? []) as OwnerReference[]);
      if (owner?.kind === 'ReplicaSet' && !setUids.has(owner.uid))
        await this.controlled.deletePod(pod, `replicaset/${owner.name}`);
      if (owner?.kind === 'Job' && !jobUids.has(owner.uid))
        await this.controlled.deletePod(pod, `job/${owner.name}`);
      if (owner?.kind === 'DaemonSet' && !daemonSetUids.has(owner.uid))
        await this.controlled.deletePod(pod, `daemonset/${owner.name}`);
    }
  }
}
