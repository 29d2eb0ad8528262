/** What a scenario file says once read: its steps, their actions and expectations. */
export const SCENARIO_API_VERSION = 'kubesim.io/v1alpha1';
export const FAILURE_MODES = ['crash', 'hang', 'partition'] as const;
/** how long an `expect` without `within` may wait for its condition */
export const DEFAULT_WITHIN_MS = 0;

export type Action =
  | { kind: 'addNodes'; count: number; cpu: number; prefix: string; memory?: number }
  | { kind: 'deleteNode'; name: string }
  | { kind: 'failNode'; name: string; mode: (typeof FAILURE_MODES)[number] }
  | { kind: 'restartNode'; name: string }
  | { kind: 'cordon'; name: string }
  | { kind: 'uncordon'; name: string }
  | { kind: 'setScheduler'; algorithm: string }
  /** the cluster autoscaler's settings, as PUT /autoscaler takes them */
  | { kind: 'autoscaler'; settings: Record<string, unknown> }
  | { kind: 'wait'; ms: number }
  | { kind: 'drain'; name: string }
  | {
      kind: 'apply';
      /** kubesim pod documents (the body of POST /pods) */
      pods: Array<Record<string, unknown>>;
      /** Kubernetes manifests (apiVersion, kind), through the Kubernetes API */
      manifests: Array<Record<string, unknown>>;
    }
  /** a bare name is a pod of kubesim's API; `kind/name` an object of the Kubernetes API */
  | { kind: 'delete'; pod?: string; target?: string; namespace?: string }
  | { kind: 'scale'; target: string; replicas: number; namespace?: string }
  | { kind: 'expect'; expectation: Expectation; withinMs: number };

export type Expectation =
  | {
      on: 'pods';
      /** names that start with it (kubesim's REST API) … */
      prefix?: string;
      /** … or a label selector such as `app=web` (the Kubernetes API) */
      selector?: string;
      namespace?: string;
      /** kubesim's status (pending, scheduled, running, …) */
      status?: string;
      /** or the Kubernetes phase (Pending, Running, Succeeded, Failed) */
      phase?: string;
      /** every pod counted runs a container of this image (the Kubernetes API) */
      image?: string;
      count?: number;
      onNode?: string;
      notOnNode?: string;
    }
  | { on: 'reach'; from: string; to: string; port: number; allowed: boolean }
  | { on: 'nodes'; name?: string; prefix?: string; status: string; count?: number }
  | { on: 'event'; reason: string; object?: string };

export interface Step {
  /** 1-based position in `steps` */
  index: number;
  /** line of the step in the file */
  line: number;
  atMs: number;
  everyMs?: number;
  times: number;
  jitterMs: number;
  action: Action;
}

export interface Scenario {
  name: string;
  steps: Step[];
  /**
   * The timings of the cluster the scenario is meant for, as the server's variables
   * (`KUBESIM_TIMINGS`, `HEARTBEAT_INTERVAL_MS`, …): a cluster `scenario run --start` makes
   * gets them; a running one is only compared with them.
   */
  timings: Record<string, string> | null;
}

/** A scenario's `timings` fields and the server variables they set (milliseconds). */
export const TIMING_FIELDS: Record<string, string> = {
  heartbeatInterval: 'HEARTBEAT_INTERVAL_MS',
  nodeFailureTimeout: 'NODE_FAILURE_TIMEOUT_MS',
  podEvictionDelay: 'POD_EVICTION_DELAY_MS',
  monitorInterval: 'MONITOR_INTERVAL_MS',
};

/** A file kubesim cannot play: where (line) and which field. */
export class ScenarioSyntaxError extends Error {
  constructor(
    readonly line: number | null,
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${line === null ? '' : `line ${line}: `}${field ? `${field}: ` : ''}${problem}`);
  }
}

export const STEP_KINDS = [
  'addNodes',
  'deleteNode',
  'failNode',
  'restartNode',
  'cordon',
  'uncordon',
  'drain',
  'setScheduler',
  'autoscaler',
  'wait',
  'apply',
  'delete',
  'scale',
  'expect',
] as const;

/** Throws ScenarioSyntaxError for the field at this path. */
export type Fail = (path: Array<string | number>, problem: string) => never;
