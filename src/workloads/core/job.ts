import { BURST_REPLICAS, compareForDeletion, isActive } from './replica-set';
import { controllerOf, JobCondition, JobStatus, JobView, PodView } from './types';

/** Kubernetes' DefaultJobPodFailureBackOff: the first retry waits 10 s, each next one twice as long. */
export const JOB_BACKOFF_BASE_MS = 10_000;
/** Kubernetes' MaxJobPodFailureBackOff. */
export const JOB_BACKOFF_MAX_MS = 600_000;

/** The labels kube-apiserver adds to a Job's template; its default selector is the first. */
export const JOB_CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME = 'batch.kubernetes.io/job-name';

export type JobFinish =
  | { type: 'Complete'; reason: 'Completed'; message: string }
  | { type: 'Failed'; reason: 'BackoffLimitExceeded' | 'DeadlineExceeded'; message: string };

export interface JobPlan {
  /** pods to create from the template now */
  create: number;
  /** active pods to delete: the surplus over parallelism, or all of them once the Job failed */
  delete: PodView[];
  /** set when this sync finishes the Job (the event to record and the condition it adds) */
  finished: JobFinish | null;
  /** when pods are due but held back by the failure back-off: the time they may be made */
  retryAt: number | null;
  status: JobStatus;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The condition of that type, when it holds. */
export function jobCondition(
  status: Partial<JobStatus>,
  type: JobCondition['type'],
): JobCondition | undefined {
  return (status.conditions ?? []).find((c) => c.type === type && c.status === 'True');
}

export function isJobFinished(status: Partial<JobStatus>): boolean {
  return !!(jobCondition(status, 'Complete') || jobCondition(status, 'Failed'));
}

/**
 * The wait before the next pod after `failures` failed ones, as Kubernetes' job controller
 * counts it: none before the first failure, then 10 s, 20 s, 40 s… at most 10 min.
 */
export function failureBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(JOB_BACKOFF_MAX_MS, JOB_BACKOFF_BASE_MS * 2 ** (failures - 1));
}

/**
 * One sync of a Job over the pods of its namespace (Kubernetes' job controller, NonIndexed):
 * how many pods to start (at most `parallelism` at once, no more than the completions still
 * missing), which to delete, and whether it is now Complete (`completions` pods succeeded)
 * or Failed — more failed pods than `backoffLimit` (for OnFailure, the restarts of its
 * running ones reach it) or longer active than `activeDeadlineSeconds`. A finished Job
 * keeps its counts and makes nothing more.
 */
export function planJob(
  job: JobView,
  pods: PodView[],
  now: number,
  restartPolicy: string | undefined,
): JobPlan {
  const uid = job.metadata.uid;
  const owned = pods.filter((p) => controllerOf(p.ownerReferences)?.uid === uid);
  const active = owned.filter(isActive);
  const ended = owned.filter((p) => p.phase === 'Succeeded' || p.phase === 'Failed');
  const failedPods = ended.filter((p) => p.phase === 'Failed');
  const previous = job.status;
  // before kubesim kept `counted`, the counts were those of the pods that still existed
  const counted = new Set(previous.counted ?? ended.map((p) => p.name));
  const fresh = ended.filter((p) => !counted.has(p.name));
  const succeeded =
    (previous.counted ? (previous.succeeded ?? 0) : 0) +
    (previous.counted ? fresh : ended).filter((p) => p.phase === 'Succeeded').length;
  const failed =
    (previous.counted ? (previous.failed ?? 0) : 0) +
    (previous.counted ? fresh : ended).filter((p) => p.phase === 'Failed').length;
  const ready = active.filter((p) => p.ready).length;
  const startTime = previous.startTime ?? (job.spec.suspend ? undefined : iso(now));
  const base: JobStatus = {
    ...(startTime ? { startTime } : {}),
    ...(previous.completionTime ? { completionTime: previous.completionTime } : {}),
    active: active.length,
    succeeded,
    failed,
    ready,
    terminating: 0,
    ...(previous.conditions?.length ? { conditions: previous.conditions } : {}),
    counted: ended.map((p) => p.name),
  };
  if (isJobFinished(previous)) {
    // counts as they were when it finished: pods deleted since do not change them
    const status: JobStatus = {
      ...base,
      succeeded: previous.succeeded ?? succeeded,
      failed: previous.failed ?? failed,
      active: 0,
      ready: 0,
    };
    return { create: 0, delete: active, finished: null, retryAt: null, status };
  }

  let finished: JobFinish | null = null;
  const restarts = active.reduce((n, p) => n + p.restartCount, 0);
  const limit = job.spec.backoffLimit;
  const overLimit =
    failed > limit ||
    (restartPolicy === 'OnFailure' && (limit === 0 ? restarts > 0 : restarts >= limit));
  const deadline = job.spec.activeDeadlineSeconds;
  const completions = job.spec.completions;
  const done =
    completions === null ? succeeded > 0 && active.length === 0 : succeeded >= completions;
  if (done) {
    finished = { type: 'Complete', reason: 'Completed', message: 'Job completed' };
  } else if (overLimit) {
    finished = {
      type: 'Failed',
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    };
  } else if (
    deadline !== undefined &&
    deadline !== null &&
    startTime &&
    now - Date.parse(startTime) >= deadline * 1000
  ) {
    finished = {
      type: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    };
  }
  if (finished) {
    // as Kubernetes (1.31+) writes them: the interim condition (SuccessCriteriaMet or
    // FailureTarget), then the terminal one once no pod runs, which here is at once
    const at = iso(now);
    const complete = finished.type === 'Complete';
    const reason = complete ? 'CompletionsReached' : finished.reason;
    const message = complete ? 'Reached expected number of succeeded pods' : finished.message;
    const conditions: JobCondition[] = [
      complete ? 'SuccessCriteriaMet' : 'FailureTarget',
      finished.type,
    ].map((type) => ({
      type: type as JobCondition['type'],
      status: 'True',
      reason,
      message,
      lastProbeTime: at,
      lastTransitionTime: at,
    }));
    const status: JobStatus = {
      ...base,
      // the active pods deleted now end as failed, as Kubernetes counts them
      failed: failed + (finished.type === 'Failed' ? active.length : 0),
      active: 0,
      ready: 0,
      ...(finished.type === 'Complete' ? { completionTime: iso(now) } : {}),
      conditions: [...(previous.conditions ?? []), ...conditions],
    };
    return { create: 0, delete: active, finished, retryAt: null, status };
  }

  let want: number;
  if (job.spec.suspend) want = 0;
  else if (completions === null) want = succeeded > 0 ? active.length : job.spec.parallelism;
  else want = Math.min(job.spec.parallelism, completions - succeeded);
  want = Math.max(0, want);
  let create = 0;
  let toDelete: PodView[] = [];
  let retryAt: number | null = null;
  if (active.length > want) {
    toDelete = [...active].sort(compareForDeletion).slice(0, active.length - want);
  } else if (active.length < want) {
    const lastFailure = failedPods.reduce(
      (latest, p) => Math.max(latest, p.finishedAt ?? p.createdAt),
      -Infinity,
    );
    const at = lastFailure + failureBackoffMs(failed);
    if (failedPods.length > 0 && at > now) retryAt = at;
    else create = Math.min(want - active.length, BURST_REPLICAS);
  }
  // as Kubernetes reports it: the pods it runs once this sync's creations and deletions are made
  const status = { ...base, active: active.length + create - toDelete.length };
  return { create, delete: toDelete, finished: null, retryAt, status };
}
