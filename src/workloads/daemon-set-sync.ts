import { Injectable } from '@nestjs/common';
import { WorkloadPodRow, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { ControlledPods } from './controlled-pods';
import { DaemonNodeView, daemonPodTemplate, planDaemonSet } from './core/daemon-set';
import { ownerReferenceFor } from './core/replica-set';
import { slowStartBatch } from './core/slow-start';
import { toPodView } from './pod-readiness';
import { toDaemonSetView } from './workload-views';

/** The DaemonSet controller's sync of one DaemonSet over the nodes, by the pure `planDaemonSet`. */
@Injectable()
export class DaemonSetSync {
  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly events: EventsService,
    private readonly controlled: ControlledPods,
  ) {}

  /**
   * One sync of a DaemonSet (Kubernetes' daemonset controller): a pod pinned to each node
   * that should run one, none elsewhere, the old ones replaced by its update strategy.
   */
  async syncDaemonSet(
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
      return this.controlled.deleteForeground(row, candidates, object, 'daemon_sets');
    }
    const plan = planDaemonSet(ds, nodes, candidates.map(toPodView), now);
    if (!(await this.controlled.adoptAndRelease(plan, byName, ref, row.uid, 'daemon_sets'))) return;
    // as the ReplicaSet's: in slow-start batches, one node each
    const targets = [...plan.create];
    await slowStartBatch(targets.length, () =>
      this.controlled.createPod(
        ds.metadata,
        daemonPodTemplate(ds, plan.hash, targets.shift()!),
        ref,
        object,
      ),
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
      await this.controlled.deletePod(byName.get(pod.name)!, object);
    }
    await this.repo.setStatus(
      'daemon_sets',
      row.id,
      plan.status as unknown as Record<string, unknown>,
    );
  }
}
