import { resolveFenceposts } from './int-or-percent';
import { matchesSelector } from './label-selector';
import { POD_TEMPLATE_HASH, podTemplateHash, sameTemplate } from './template-hash';
import {
  controllerOf,
  DeploymentCondition,
  DeploymentStatus,
  DeploymentView,
  LabelSelector,
  PodTemplate,
  ReplicaSetView,
} from './types';

export const REVISION = 'deployment.kubernetes.io/revision';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;
export const DEFAULT_PROGRESS_DEADLINE_SECONDS = 600;

export interface NewReplicaSet {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  selector: LabelSelector;
  template: PodTemplate;
  replicas: number;
}

export interface ReplicaSetScale {
  name: string;
  from: number;
  to: number;
}

export interface DeploymentPlan {
  /** orphan ReplicaSets matching the selector, to take as ours */
  adopt: string[];
  /** the ReplicaSet of the current template, when none exists yet */
  create: NewReplicaSet | null;
  /** ReplicaSets whose spec.replicas changes (the events' "Scaled up/down") */
  scale: ReplicaSetScale[];
  /** annotations to set on existing ReplicaSets (a revision taken back by a rollback) */
  annotate: Array<{ name: string; annotations: Record<string, string> }>;
  /** old ReplicaSets beyond revisionHistoryLimit, to delete */
  delete: string[];
  /** the Deployment's own revision annotation */
  revision: string;
  status: DeploymentStatus;
}

export function revisionOf(rs: ReplicaSetView): number {
  const n = Number(rs.metadata.annotations[REVISION]);
  return Number.isFinite(n) ? n : 0;
}

function byCreation(a: ReplicaSetView, b: ReplicaSetView): number {
  return (
    a.metadata.createdAt - b.metadata.createdAt || (a.metadata.name < b.metadata.name ? -1 : 1)
  );
}

const specReplicas = (list: ReplicaSetView[]) => list.reduce((n, rs) => n + rs.spec.replicas, 0);
const statusOf = (
  list: ReplicaSetView[],
  key: 'replicas' | 'readyReplicas' | 'availableReplicas',
) => list.reduce((n, rs) => n + (rs.status[key] ?? 0), 0);

/**
 * One sync of a Deployment over the ReplicaSets in its namespace: which ReplicaSet
 * its template needs, how every ReplicaSet scales (RollingUpdate within maxSurge and
 * maxUnavailable, or Recreate), which old ones go, and the status afterwards — the
 * steps of Kubernetes' deployment controller, one at a time: a sync that scales the
 * new ReplicaSet up leaves the old ones to the next sync, as Kubernetes does.
 */
export function planDeployment(
  d: DeploymentView,
  all: ReplicaSetView[],
  now: number,
): DeploymentPlan {
  const plan: DeploymentPlan = {
    adopt: [],
    create: null,
    scale: [],
    annotate: [],
    delete: [],
    revision: d.metadata.annotations[REVISION] ?? '',
    status: undefined as unknown as DeploymentStatus,
  };
  const owned: ReplicaSetView[] = [];
  for (const rs of all) {
    const ref = controllerOf(rs.metadata.ownerReferences);
    if (ref) {
      if (ref.uid === d.metadata.uid) owned.push(rs);
    } else if (
      !rs.metadata.deleting &&
      !d.metadata.deleting &&
      matchesSelector(d.spec.selector, rs.spec.template.metadata?.labels ?? {})
    ) {
      plan.adopt.push(rs.metadata.name);
      owned.push(rs);
    }
  }
  // working copies: the plan's scaling shows in the status it reports
  const sets = owned.map((rs) => ({ ...rs, spec: { ...rs.spec } })).sort(byCreation);
  const newRs = sets.find((rs) => sameTemplate(rs.spec.template, d.spec.template)) ?? null;
  const olds = sets.filter((rs) => rs !== newRs);
  const maxOld = olds.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
  const replicas = Math.max(0, d.spec.replicas);
  const strategy = d.spec.strategy?.type ?? 'RollingUpdate';
  const { surge, unavailable } =
    strategy === 'Recreate'
      ? { surge: 0, unavailable: replicas }
      : resolveFenceposts(
          d.spec.strategy?.rollingUpdate?.maxSurge,
          d.spec.strategy?.rollingUpdate?.maxUnavailable,
          replicas,
        );

  const scaleTo = (rs: ReplicaSetView, to: number) => {
    if (rs.spec.replicas === to) return;
    plan.scale.push({ name: rs.metadata.name, from: rs.spec.replicas, to });
    rs.spec.replicas = to;
  };

  if (newRs && revisionOf(newRs) <= maxOld) {
    // a rollback (or a template back to an old one) makes that ReplicaSet the newest revision
    plan.annotate.push({
      name: newRs.metadata.name,
      annotations: { [REVISION]: String(maxOld + 1) },
    });
    newRs.metadata = {
      ...newRs.metadata,
      annotations: { ...newRs.metadata.annotations, [REVISION]: String(maxOld + 1) },
    };
  }
  const revision = newRs ? revisionOf(newRs) : maxOld + 1;
  plan.revision = String(revision);

  let created: NewReplicaSet | null = null;
  const makeNew = (count: number): NewReplicaSet => {
    const hash = podTemplateHash(d.spec.template, d.status.collisionCount ?? 0);
    const labels = { ...(d.spec.template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash };
    return {
      name: `${d.metadata.name}-${hash}`,
      labels,
      annotations: { [REVISION]: String(revision), [DESIRED_REPLICAS]: String(replicas) },
      selector: {
        ...d.spec.selector,
        matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash },
      },
      template: { ...d.spec.template, metadata: { ...(d.spec.template.metadata ?? {}), labels } },
      replicas: count,
    };
  };

  const activeOlds = () => olds.filter((rs) => rs.spec.replicas > 0);
  if (d.metadata.deleting) {
    // nothing moves while the Deployment goes
  } else if (d.spec.paused) {
    // paused: no new ReplicaSet, but a lone current ReplicaSet still follows spec.replicas
    if (newRs && activeOlds().length === 0) scaleTo(newRs, replicas);
  } else if (strategy === 'Recreate') {
    for (const rs of activeOlds()) scaleTo(rs, 0);
    const oldPodsLeft = olds.some((rs) => (rs.status.replicas ?? 0) > 0);
    if (plan.scale.length === 0 && !oldPodsLeft) {
      if (!newRs) created = makeNew(replicas);
      else scaleTo(newRs, replicas);
    }
  } else {
    // RollingUpdate: reconcileNewReplicaSet, then (next sync) reconcileOldReplicaSets
    const currentPods = specReplicas(sets);
    const maxTotal = replicas + surge;
    const target = (have: number): number => {
      if (activeOlds().length === 0) return replicas;
      if (have >= replicas) return replicas;
      if (currentPods >= maxTotal) return have;
      return have + Math.min(maxTotal - currentPods, replicas - have);
    };
    if (!newRs) {
      created = makeNew(target(0));
    } else {
      scaleTo(newRs, target(newRs.spec.replicas));
    }
    const scaledUp = created !== null || plan.scale.some((s) => s.to > s.from);
    if (!scaledUp && activeOlds().length > 0 && newRs) {
      const all = [...olds, newRs];
      const minAvailable = replicas - unavailable;
      const newUnavailable = newRs.spec.replicas - (newRs.status.availableReplicas ?? 0);
      let maxScaledDown = specReplicas(all) - minAvailable - newUnavailable;
      if (maxScaledDown > 0) {
        // first the old ReplicaSets' unhealthy pods, which cost no availability
        for (const rs of activeOlds()) {
          if (maxScaledDown <= 0) break;
          const unhealthy = rs.spec.replicas - (rs.status.availableReplicas ?? 0);
          if (unhealthy <= 0) continue;
          const down = Math.min(maxScaledDown, unhealthy);
          scaleTo(rs, rs.spec.replicas - down);
          maxScaledDown -= down;
        }
        // then available pods, as far as minAvailable allows
        const available = statusOf(all, 'availableReplicas');
        let budget = Math.min(available - minAvailable, maxScaledDown);
        for (const rs of activeOlds()) {
          if (budget <= 0) break;
          const down = Math.min(rs.spec.replicas, budget);
          scaleTo(rs, rs.spec.replicas - down);
          budget -= down;
        }
      }
    }
  }
  const progressed = created !== null || plan.scale.length > 0;
  plan.create = created;

  const updated = newRs ? (newRs.status.replicas ?? 0) : 0;
  const statusReplicas = statusOf(sets, 'replicas');
  const available = statusOf(sets, 'availableReplicas');
  const totalSpec = specReplicas(sets) + (created?.replicas ?? 0);
  const complete =
    !!newRs &&
    !created &&
    updated === replicas &&
    statusReplicas === replicas &&
    available === replicas &&
    activeOlds().length === 0;

  // old ReplicaSets beyond the history limit go once the rollout is complete
  if (complete && !d.metadata.deleting) {
    const limit = d.spec.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT;
    const idle = olds
      .filter(
        (rs) => rs.spec.replicas === 0 && (rs.status.replicas ?? 0) === 0 && !rs.metadata.deleting,
      )
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    plan.delete = idle.slice(0, Math.max(0, idle.length - limit)).map((rs) => rs.metadata.name);
  }

  const currentName = created?.name ?? newRs?.metadata.name ?? '';
  plan.status = {
    observedGeneration: d.metadata.generation,
    replicas: statusReplicas,
    updatedReplicas: updated,
    readyReplicas: statusOf(sets, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, totalSpec - available),
    ...(d.status.collisionCount ? { collisionCount: d.status.collisionCount } : {}),
    conditions: conditionsFor(d, {
      now,
      available: available >= replicas - unavailable,
      complete,
      created: created !== null,
      progressed: progressed || madeProgress(d.status, updated, available, statusReplicas),
      rsName: currentName,
    }),
  };
  return plan;
}

/** Kubernetes' DeploymentProgressing: more updated or available pods, or fewer old ones. */
function madeProgress(
  old: Partial<DeploymentStatus>,
  updated: number,
  available: number,
  replicas: number,
): boolean {
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  return (
    updated > (old.updatedReplicas ?? 0) ||
    available > (old.availableReplicas ?? 0) ||
    replicas - updated < oldOld
  );
}

function conditionsFor(
  d: DeploymentView,
  s: {
    now: number;
    available: boolean;
    complete: boolean;
    created: boolean;
    progressed: boolean;
    rsName: string;
  },
): DeploymentCondition[] {
  const at = new Date(s.now).toISOString();
  const previous = new Map((d.status.conditions ?? []).map((c) => [c.type, c]));
  const condition = (
    type: DeploymentCondition['type'],
    status: DeploymentCondition['status'],
    reason: string,
    message: string,
    touch = true,
  ): DeploymentCondition => {
    const before = previous.get(type);
    const same = before && before.status === status;
    return {
      type,
      status,
      reason,
      message,
      lastUpdateTime: !touch && before ? before.lastUpdateTime : at,
      lastTransitionTime: same ? before.lastTransitionTime : at,
    };
  };
  const available = s.available
    ? condition(
        'Available',
        'True',
        'MinimumReplicasAvailable',
        'Deployment has minimum availability.',
      )
    : condition(
        'Available',
        'False',
        'MinimumReplicasUnavailable',
        'Deployment does not have minimum availability.',
      );
  if (s.available && previous.get('Available')?.status === 'True') {
    available.lastUpdateTime = previous.get('Available')!.lastUpdateTime;
  }
  const before = previous.get('Progressing');
  let progressing: DeploymentCondition;
  if (d.spec.paused) {
    progressing = condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused');
  } else if (s.complete) {
    progressing =
      before?.reason === 'NewReplicaSetAvailable'
        ? before
        : condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${s.rsName}" has successfully progressed.`,
          );
  } else if (s.created) {
    progressing = condition(
      'Progressing',
      'True',
      'NewReplicaSetCreated',
      `Created new replica set "${s.rsName}"`,
    );
  } else if (
    s.progressed ||
    !before ||
    before.reason === 'DeploymentPaused' ||
    before.reason === 'DeploymentResumed'
  ) {
    progressing = condition(
      'Progressing',
      'True',
      'ReplicaSetUpdated',
      `ReplicaSet "${s.rsName}" is progressing.`,
    );
  } else if (
    before.status === 'True' &&
    s.now - Date.parse(before.lastUpdateTime) >
      (d.spec.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS) * 1000
  ) {
    progressing = condition(
      'Progressing',
      'False',
      'ProgressDeadlineExceeded',
      `ReplicaSet "${s.rsName}" has timed out progressing.`,
    );
  } else {
    progressing = before;
  }
  return [available, progressing];
}
