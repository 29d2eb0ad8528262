import { Injectable } from '@nestjs/common';
import { WorkloadPodRow, WorkloadRow, WorkloadsRepository } from '../database/workloads.repository';
import { EventsService } from '../events/events.service';
import { podManifestToCreate } from '../kube-api/pod-manifest';
import { PodsService } from '../pods/pods.service';
import { generateName } from './core/template-hash';
import { controllerOf, ObjectMeta, OwnerReference, PodTemplate } from './core/types';

/** the finalizer of an owner deleted in the foreground: its dependents go first */
export const FOREGROUND = 'foregroundDeletion';

/**
 * What the workload controllers do to the pods they own: create them from a template,
 * delete them, adopt orphans and release the ones no longer selected, and delete an
 * owner in the foreground. Each with the event Kubernetes' controllers record.
 */
@Injectable()
export class ControlledPods {
  constructor(
    private readonly repo: WorkloadsRepository,
    private readonly pods: PodsService,
    private readonly events: EventsService,
  ) {}

  /** Adopts the orphans a plan claims and releases the pods it no longer selects; false if an adoption lost a race. */
  async adoptAndRelease(
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
  async deleteForeground(
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

  /** Creates one pod from the owner's template, owned by it; false (with an event) if refused. */
  async createPod(
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

  /** Deletes one of the owner's pods, with an event; one gone already is no error. */
  async deletePod(pod: WorkloadPodRow, object: string): Promise<void> {
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
