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
import { WorkloadPodRow, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { ClusterBus } from '../events/cluster-bus';
import { EventsService } from '../events/events.service';
import { LeaderLock } from '../database/leader-lock';
import { podManifestToCreate } from '../kube-api/pod-manifest';
import { PodsService } from '../pods/pods.service';
import { planDeployment, REVISION } from './core/deployment';
import { ownerReferenceFor, planReplicaSet } from './core/replica-set';
import { planJob } from './core/job';
import { slowStartBatch } from './core/slow-start';
import { DaemonNodeView, daemonPodTemplate, planDaemonSet } from './core/daemon-set';
import { generateName } from './core/template-hash';
import { controllerOf, ObjectMeta, OwnerReference, PodTemplate } from './core/types';
import { toPodView } from './pod-readiness';
import {
  toDaemonNodeView,
  toDaemonSetView,
  toDeploymentView,
  toJobView,
  toReplicaSetView,
} from './workload-views';

/** its own advisory lock: the workload controllers lead apart from the other loops */
export const WORKLOADS_LOCK = 7_414_004;
const TICK = 'kubesim-workloads';
export const FOREGROUND = 'foregroundDeletion';

/**
 * The ReplicaSet, Deployment, Job and DaemonSet controllers: one leader reconciles every workload on
 * each change in the cluster (an event on the bus) and on a periodic resync. Every step
 * is idempotent: a sync reads the state again and does only what is missing.
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
    private readonly pods: PodsService,
    private readonly events: EventsService,
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
    for (const d of deployments) await this.syncDeployment(d, sets, now);
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
    for (const rs of sets) await this.syncReplicaSet(rs, pods, now);
    for (const job of jobs) await this.syncJob(job, pods, now);
    if (daemonSets.length) {
      const nodes = (await this.repo.nodesForDaemonSets()).map(toDaemonNodeView);
      for (const ds of daemonSets) await this.syncDaemonSet(ds, nodes, pods, now);
    }
    // garbage collection: a pod whose controller is gone goes too (background deletion)
    for (const pod of pods) {
      const owner = controllerOf((pod.owner_references ?? []) as OwnerReference[]);
      if (owner?.kind === 'ReplicaSet' && !setUids.has(owner.uid))
        await this.deletePod(pod, `replicaset/${owner.name}`);
      if (owner?.kind === 'Job' && !jobUids.has(owner.uid))
        await this.deletePod(pod, `job/${owner.name}`);
      if (owner?.kind === 'DaemonSet' && !daemonSetUids.has(owner.uid))
        await this.deletePod(pod, `daemonset/${owner.name}`);
    }
  }

  private async syncDeployment(row: WorkloadRow, all: WorkloadRow[], now: number): Promise<void> {
    const d = toDeploymentView(row);
    const mine = all.filter((rs) => rs.namespace === row.namespace);
    const object = `deployment/${row.name}`;
    if (d.metadata.deleting) {
      const owned = mine.filter(
        (rs) => controllerOf(rs.owner_references as OwnerReference[])?.uid === row.uid,
      );
      for (const rs of owned) {
        if (!rs.deletion_timestamp)
          await this.repo.markDeleting('replica_sets', rs.id, [FOREGROUND]);
      }
      if (owned.length === 0) await this.repo.remove('deployments', row.id);
      return;
    }
    const plan = planDeployment(d, mine.map(toReplicaSetView), now);
    const byName = new Map(mine.map((rs) => [rs.name, rs]));
    const ref = ownerReferenceFor('Deployment', { name: row.name, uid: row.uid });
    for (const name of plan.adopt) {
      // adopted or not (a racing deletion), the next sync sees the truth
      if (!(await this.repo.adoptReplicaSet(byName.get(name)!.id, ref))) return;
    }
    if (plan.create) {
      const c = plan.create;
      try {
        await this.repo.insert('replica_sets', {
          namespace: row.namespace,
          name: c.name,
          labels: c.labels,
          annotations: c.annotations,
          ownerReferences: [ref],
          spec: {
            replicas: c.replicas,
            minReadySeconds: d.spec.minReadySeconds ?? 0,
            selector: c.selector,
            template: c.template,
          },
        });
        await this.events.record(
          'Normal',
          'ScalingReplicaSet',
          object,
          `Scaled up replica set ${c.name} from 0 to ${c.replicas}`,
          row.namespace,
        );
      } catch (err) {
        // a ReplicaSet of that name not ours, or made by a sync racing this one: next sync sorts it
        this.logger.warn(`could not create replica set ${c.name}: ${(err as Error).message}`);
        return;
      }
    }
    for (const a of plan.annotate) {
      const rs = byName.get(a.name)!;
      // only over the version read: a change made meanwhile (a scale) is never written back
      await this.repo.update(
        'replica_sets',
        rs.namespace,
        rs.name,
        {
          labels: rs.labels,
          annotations: { ...rs.annotations, ...a.annotations },
          ownerReferences: rs.owner_references,
          spec: rs.spec,
        },
        String(rs.resource_version),
      );
    }
    for (const s of plan.scale) {
      const rs = byName.get(s.name)!;
      const fresh = (await this.repo.find('replica_sets', rs.namespace, rs.name)) ?? rs;
      await this.repo.update('replica_sets', rs.namespace, rs.name, {
        labels: fresh.labels,
        annotations: {
          ...fresh.annotations,
          'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas),
        },
        ownerReferences: fresh.owner_references,
        spec: { ...fresh.spec, replicas: s.to },
      });
      await this.events.record(
        'Normal',
        'ScalingReplicaSet',
        object,
        `Scaled ${s.to > s.from ? 'up' : 'down'} replica set ${s.name} from ${s.from} to ${s.to}`,
        row.namespace,
      );
    }
    for (const name of plan.delete) {
      const rs = byName.get(name)!;
      await this.repo.remove('replica_sets', rs.id);
    }
    if (row.annotations[REVISION] !== plan.revision) {
      // only over the version read: `kubectl scale` meanwhile must not be undone by a stale spec
      // (the next sync writes the revision then)
      await this.repo.update(
        'deployments',
        row.namespace,
        row.name,
        {
          labels: row.labels,
          annotations: { ...row.annotations, [REVISION]: plan.revision },
          ownerReferences: row.owner_references,
          spec: row.spec,
        },
        String(row.resource_version),
      );
    }
    await this.repo.setStatus(
      'deployments',
      row.id,
      plan.status as unknown as Record<string, unknown>,
    );
  }

  private async syncReplicaSet(
    row: WorkloadRow,
    pods: WorkloadPodRow[],
    now: number,
  ): Promise<void> {
    const rs = toReplicaSetView(row);
    const object = `replicaset/${row.name}`;
    const candidates = pods.filter((p) => p.namespace === row.namespace);
    const byName = new Map(candidates.map((p) => [p.name, p]));
    const plan = planReplicaSet(rs, candidates.map(toPodView), now);
    const ref = ownerReferenceFor('ReplicaSet', { name: row.name, uid: row.uid });
    if (!(await this.adoptAndRelease(plan, byName, ref, row.uid, 'replica_sets'))) return;
    if (rs.metadata.deleting) {
      return this.deleteForeground(row, candidates, object, 'replica_sets');
    }
    await slowStartBatch(plan.create, () =>
      this.createPod(rs.metadata, rs.spec.template, ref, object),
    );
    await Promise.all(plan.delete.map((p) => this.deletePod(byName.get(p.name)!, object)));
    await this.repo.setStatus(
      'replica_sets',
      row.id,
      plan.status as unknown as Record<string, unknown>,
    );
  }

  private async syncJob(row: WorkloadRow, pods: WorkloadPodRow[], now: number): Promise<void> {
    const job = toJobView(row);
    const object = `job/${row.name}`;
    const candidates = pods.filter((p) => p.namespace === row.namespace);
    const byName = new Map(candidates.map((p) => [p.name, p]));
    const ref = ownerReferenceFor('Job', { name: row.name, uid: row.uid });
    if (job.metadata.deleting) {
      return this.deleteForeground(row, candidates, object, 'jobs');
    }
    const restartPolicy = job.spec.template.spec.restartPolicy as string | undefined;
    const plan = planJob(job, candidates.map(toPodView), now, restartPolicy);
    await slowStartBatch(plan.create, () =>
      this.createPod(job.metadata, job.spec.template, ref, object),
    );
    await Promise.all(plan.delete.map((p) => this.deletePod(byName.get(p.name)!, object)));
    await this.repo.setStatus('jobs', row.id, plan.status as unknown as Record<string, unknown>);
    if (plan.finished) {
      await this.events.record(
        plan.finished.type === 'Complete' ? 'Normal' : 'Warning',
        plan.finished.reason,
        object,
        plan.finished.message,
        row.namespace,
      );
    }
  }

  /**
   * One sync of a DaemonSet (Kubernetes' daemonset controller): a pod pinned to each node
   * that should run one, none elsewhere, the old ones replaced by its update strategy.
   */
  private async syncDaemonSet(
    row: WorkloadRow,
    nodes: DaemonNodeView[],
    pods: WorkloadPodRow[],
    now: number,
  ): Promise<void> {
    const ds = toDaemonSetView(row);
    const object = `daemonset/${row.name}`;
    const candidates = pods.filter((p) => p.namespace === row.namespace);
    const byName = new Map(candidates.map((p) => [p.name, p]));
    const ref = ownerReferenceFor('DaemonSet', { name: row.name, uid: row.uid });
    if (ds.metadata.deleting) {
      return this.deleteForeground(row, candidates, object, 'daemon_sets');
    }
    const plan = planDaemonSet(ds, nodes, candidates.map(toPodView), now);
    if (!(await this.adoptAndRelease(plan, byName, ref, row.uid, 'daemon_sets'))) return;
    // as the ReplicaSet's: in slow-start batches, one node each
    const targets = [...plan.create];
    await slowStartBatch(targets.length, () =>
      this.createPod(ds.metadata, daemonPodTemplate(ds, plan.hash, targets.shift()!), ref, object),
    );
    for (const { pod, node, why } of plan.delete) {
      if (why === 'failed' || why === 'succeeded')
        await this.events.record(
          why === 'failed' ? 'Warning' : 'Normal',
          why === 'failed' ? 'FailedDaemonPod' : 'SucceededDaemonPod',
          object,
          `Found ${why} daemon pod ${row.namespace}/${pod.name} on node ${node}, will try to ${why === 'failed' ? 'kill' : 'delete'} it`,
          row.namespace,
        );
      await this.deletePod(byName.get(pod.name)!, object);
    }
    await this.repo.setStatus(
      'daemon_sets',
      row.id,
      plan.status as unknown as Record<string, unknown>,
    );
  }

  /** Adopts the orphans a plan claims and releases the pods it no longer selects; false if an adoption lost a race. */
  private async adoptAndRelease(
    plan: { adopt: Array<{ name: string }>; release: Array<{ name: string }> },
    byName: Map<string, WorkloadPodRow>,
    ref: OwnerReference,
    uid: string,
    kind: 'replica_sets' | 'daemon_sets',
  ): Promise<boolean> {
    for (const p of plan.adopt) {
      const pod = byName.get(p.name)!;
      if (!(await this.repo.adoptPod(pod.id, ref, kind))) return false;
      pod.owner_references = [...(pod.owner_references ?? []), ref];
    }
    for (const p of plan.release) {
      const pod = byName.get(p.name)!;
      pod.owner_references = (pod.owner_references as OwnerReference[]).filter(
        (r) => r.uid !== uid,
      );
      await this.repo.setPodOwners(pod.id, pod.owner_references);
    }
    return true;
  }

  /** Foreground deletion of an owner: its pods go first (all at once), then the owner itself. */
  private async deleteForeground(
    row: WorkloadRow,
    candidates: WorkloadPodRow[],
    object: string,
    kind: 'replica_sets' | 'jobs' | 'daemon_sets',
  ): Promise<void> {
    const owned = candidates.filter(
      (p) => controllerOf(p.owner_references as OwnerReference[])?.uid === row.uid,
    );
    await Promise.all(owned.map((pod) => this.deletePod(pod, object)));
    await this.repo.remove(kind, row.id);
  }

  private async createPod(
    owner: ObjectMeta,
    template: PodTemplate,
    ref: OwnerReference,
    object: string,
  ): Promise<boolean> {
    const prefix = `${owner.name}-`.slice(0, 57);
    const name = generateName(prefix);
    try {
      const { dto, labels, annotations } = podManifestToCreate(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name,
            labels: template.metadata?.labels,
            annotations: template.metadata?.annotations,
          },
          spec: template.spec,
        },
        owner.namespace,
      );
      await this.pods.createPod(
        { ...dto, namespace: owner.namespace },
        {
          labels,
          annotations,
          ownerReferences: [ref],
          generateName: prefix,
        },
      );
      await this.events.record(
        'Normal',
        'SuccessfulCreate',
        object,
        `Created pod: ${name}`,
        owner.namespace,
      );
      return true;
    } catch (err) {
      await this.events.record(
        'Warning',
        'FailedCreate',
        object,
        `Error creating: ${(err as Error).message}`,
        owner.namespace,
      );
      return false;
    }
  }

  private async deletePod(pod: WorkloadPodRow, object: string): Promise<void> {
    try {
      await this.pods.deletePod(pod.name, pod.namespace);
      await this.events.record(
        'Normal',
        'SuccessfulDelete',
        object,
        `Deleted pod: ${pod.name}`,
        pod.namespace,
      );
    } catch {
      // gone already: nothing to do
    }
  }
}
