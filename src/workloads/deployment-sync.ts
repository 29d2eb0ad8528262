import { Injectable, Logger } from '@nestjs/common';
import { WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { FOREGROUND } from './controlled-pods';
import { planDeployment, REVISION } from './core/deployment';
import { ownerReferenceFor } from './core/replica-set';
import { controllerOf, OwnerReference } from './core/types';
import { toDeploymentView, toReplicaSetView } from './workload-views';

/**
 * The Deployment controller's sync of one Deployment over its namespace's ReplicaSets, by
 * the pure `planDeployment`: adopt, create, annotate, scale and delete ReplicaSets, then the
 * revision and the status.
 */
@Injectable()
export class DeploymentSync {
  private readonly logger = new Logger(DeploymentSync.name);

  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly events: EventsService,
  ) {}

  async syncDeployment(row: WorkloadRow, all: WorkloadRow[], now: number): Promise<void> {
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
}
