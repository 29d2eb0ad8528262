import { Injectable } from '@nestjs/common';
import { WorkloadPodRow, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { ControlledPods } from './controlled-pods';
import { planJob } from './core/job';
import { ownerReferenceFor } from './core/replica-set';
import { slowStartBatch } from './core/slow-start';
import { toPodView } from './pod-readiness';
import { toJobView } from './workload-views';

/** The Job controller's sync of one Job by the pure `planJob`, with an event when it ends. */
@Injectable()
export class JobSync {
  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly events: EventsService,
    private readonly controlled: ControlledPods,
  ) {}

  async syncJob(row: WorkloadRow, pods: WorkloadPodRow[], now: number): Promise<void> {
    const job = toJobView(row);
    const object = `job/${row.name}`;
    const candidates = pods.filter((p) => p.namespace === row.namespace);
    const byName = new Map(candidates.map((p) => [p.name, p]));
    const ref = ownerReferenceFor('Job', { name: row.name, uid: row.uid });
    if (job.metadata.deleting) {
      return this.controlled.deleteForeground(row, candidates, object, 'jobs');
    }
    const restartPolicy = job.spec.template.spec.restartPolicy as string | undefined;
    const plan = planJob(job, candidates.map(toPodView), now, restartPolicy);
    await slowStartBatch(plan.create, () =>
      this.controlled.createPod(job.metadata, job.spec.template, ref, object),
    );
    await Promise.all(
      plan.delete.map((p) => this.controlled.deletePod(byName.get(p.name)!, object)),
    );
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
}
