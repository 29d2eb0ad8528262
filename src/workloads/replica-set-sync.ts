import { Injectable } from '@nestjs/common';
import { WorkloadPodRow, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { ControlledPods } from './controlled-pods';
import { ownerReferenceFor, planReplicaSet } from './core/replica-set';
import { slowStartBatch } from './core/slow-start';
import { toPodView } from './pod-readiness';
import { toReplicaSetView } from './workload-views';

/** The ReplicaSet controller's sync of one ReplicaSet by the pure `planReplicaSet`. */
@Injectable()
export class ReplicaSetSync {
  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly controlled: ControlledPods,
  ) {}

  async syncReplicaSet(row: WorkloadRow, pods: WorkloadPodRow[], now: number): Promise<void> {
    const rs = toReplicaSetView(row);
    const object = `replicaset/${row.name}`;
    const candidates = pods.filter((p) => p.namespace === row.namespace);
    const byName = new Map(candidates.map((p) => [p.name, p]));
    const plan = planReplicaSet(rs, candidates.map(toPodView), now);
    const ref = ownerReferenceFor('ReplicaSet', { name: row.name, uid: row.uid });
    if (!(await this.controlled.adoptAndRelease(plan, byName, ref, row.uid, 'replica_sets')))
      return;
    if (rs.metadata.deleting) {
      return this.controlled.deleteForeground(row, candidates, object, 'replica_sets');
    }
    await slowStartBatch(plan.create, () =>
      this.controlled.createPod(rs.metadata, rs.spec.template, ref, object),
    );
    await Promise.all(
      plan.delete.map((p) => this.controlled.deletePod(byName.get(p.name)!, object)),
    );
    await this.repo.setStatus(
      'replica_sets',
      row.id,
      plan.status as unknown as Record<string, unknown>,
    );
  }
}
