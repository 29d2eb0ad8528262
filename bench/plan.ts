/** Sizes and durations of a run, and the targets of SPEC §10 they are held against. */
import type { SameClientPlan } from './figures/same-client';
import type { ScaleSoakPlan } from './figures/scale-soak';
import type { WatchPlan } from './figures/watch-fanout';

export const ALGORITHMS = ['best-fit', 'first-fit', 'worst-fit', 'round-robin'] as const;

export interface Plan {
  quick: boolean;
  /** cluster sizes of the pod-creation runs (the chart's x axis); the last is the figure's */
  sizes: number[];
  /** node size for the load cluster; pods ask 0.01 core so nobody runs out of room */
  nodeCpus: number;
  connections: number;
  warmupS: number;
  podRunS: number;
  /** algorithms measured at the full size; the first is also measured at every size */
  algorithms: string[];
  heartbeatRunS: number;
  soakNodes: number;
  soakS: number;
  soakIntervalMs: number;
  detectionRepetitions: number;
  reschedRepetitions: number;
  reschedPods: number;
  startupPods: number;
  startupEveryMs: number;
  startupAgents: number;
  scalePods: number;
  /** bound on the scale figure's top-up */
  scaleMaxS: number;
  /** the same-client rows (keep-alive node:http, as the peers were measured) */
  sameClient: SameClientPlan;
  /** the Deployment figure: one Deployment scaled from 0 to this many replicas… */
  deploymentReplicas: number;
  /** …on a cluster of this many nodes (one of `sizes`, so it is registered anyway) */
  deploymentNodes: number;
  /** watches of the pods, fed by paced creations through the Kubernetes API */
  watch: WatchPlan;
  /** the big cluster soaked with a beat every 10 s from every node (only with --only scale15k) */
  scaleSoak: ScaleSoakPlan;
}

const SCALE_SOAK: ScaleSoakPlan = {
  nodes: 15_000,
  pods: 150_000,
  intervalMs: 10_000,
  jitterMs: 500,
  soakS: 300,
  // 200 pods of 0.01 core each: room for ten times the 10 a node holds on average
  nodeCpus: 2,
  registerConcurrency: 32,
  podConcurrency: 32,
  podsMaxS: 300,
};

export function makePlan(quick: boolean): Plan {
  if (quick) {
    return {
      quick,
      sizes: [100, 500],
      nodeCpus: 16,
      connections: 64,
      warmupS: 1,
      podRunS: 5,
      algorithms: ['best-fit'],
      heartbeatRunS: 5,
      soakNodes: 500,
      soakS: 10,
      soakIntervalMs: 5000,
      detectionRepetitions: 1,
      reschedRepetitions: 1,
      reschedPods: 110,
      startupPods: 30,
      startupEveryMs: 200,
      startupAgents: 3,
      scalePods: 15_000,
      scaleMaxS: 45,
      sameClient: {
        nodes: 300,
        beatRounds: 5,
        mixedBeats: 3,
        mixedPods: 1000,
        pods: 2000,
        listRequests: 20,
      },
      deploymentReplicas: 1000,
      deploymentNodes: 100,
      watch: { nodes: 100, watchers: 20, ratePerS: 1000, seconds: 5, drainS: 15 },
      scaleSoak: { ...SCALE_SOAK, nodes: 1500, pods: 15_000, soakS: 60, podsMaxS: 90 },
    };
  }
  return {
    quick,
    sizes: [100, 1000, 5000],
    nodeCpus: 16,
    connections: 64,
    warmupS: 3,
    podRunS: 15,
    algorithms: [...ALGORITHMS],
    heartbeatRunS: 15,
    soakNodes: 5000,
    soakS: 30,
    soakIntervalMs: 5000,
    detectionRepetitions: 3,
    reschedRepetitions: 3,
    reschedPods: 110,
    startupPods: 100,
    startupEveryMs: 100,
    startupAgents: 4,
    scalePods: 150_000,
    scaleMaxS: 600,
    sameClient: {
      nodes: 1000,
      beatRounds: 5,
      mixedBeats: 3,
      mixedPods: 5000,
      pods: 10_000,
      listRequests: 50,
    },
    deploymentReplicas: 1000,
    deploymentNodes: 100,
    watch: { nodes: 1000, watchers: 50, ratePerS: 1000, seconds: 10, drainS: 30 },
    scaleSoak: SCALE_SOAK,
  };
}

/** SPEC §10: the latest word on performance. */
export const TARGETS = {
  podsPerS: 5000,
  podP99Ms: 50,
  beatsPerS: 6000,
  beatP99Ms: 20,
  registerPerS: 1000,
  firstBeatsPerS: 2000,
  /** a pod with a full spec costs at most this many times a minimal one */
  fullSpecRatio: 1.5,
  listPodsP50Ms: 20,
  /** pods created through the Kubernetes API (POST /api/v1/…/pods), SPEC §10 */
  kubePodsPerS: 1000,
  /** pods a Deployment's controller creates per second (SPEC §10's Kubernetes API figure) */
  deploymentPodsPerS: 1000,
  /** failed within timeout + this many monitor ticks */
  detectionTicks: 1,
  reschedMs: 1000,
  reschedPods: 110,
  startupP99Ms: 1000,
  rssMb: 1024,
  scaleNodes: 5000,
  scalePods: 150_000,
  nodes: 5000,
  /** a watch stream fanned out: each watcher gets every ADDED at this rate… */
  watchEventsPerS: 1000,
  watchers: 50,
  /** …this soon after the creation's 201 (p99) */
  watchLagP99Ms: 1000,
  /** the big cluster: nodes beating every 10 s (1,500/s) with no false failure over the soak */
  bigNodes: 15_000,
  bigPods: 150_000,
  bigRssMb: 1536,
  bigBeatIntervalMs: 10_000,
  bigSoakS: 300,
};

/** The fastest peers measured on the same kind of machine (SPEC §10), for ratios. */
export const ANCHORS = {
  podsPerS: 4543,
  podP99Ms: 24,
  beatsPerS: 5992,
  beatP99Ms: 8.6,
  registerPerS: 827,
  detectionMs: 20_000,
  startupMs: 5000,
};

/** Timings of the servers the bench starts. */
export const SERVERS = {
  /** throughput and scale: nodes that beat once must stay healthy for the whole run */
  load: { NODE_FAILURE_TIMEOUT_MS: '3600000' },
  /** the same-client rows: a fresh load server, so their counts start from an empty cluster */
  client: { NODE_FAILURE_TIMEOUT_MS: '3600000' },
  /** failure detection and the soak: the defaults users get */
  default: {},
  /** the watch fan-out: a fresh server, so the watched namespace holds only its pods */
  watch: { NODE_FAILURE_TIMEOUT_MS: '3600000' },
  /** the big soak: the default timeout, agents told to beat every 10 s */
  scale15k: { HEARTBEAT_INTERVAL_MS: '10000' },
  /** rescheduling: a short timeout, so detection does not dominate the run */
  short: { NODE_FAILURE_TIMEOUT_MS: '2000', HEARTBEAT_INTERVAL_MS: '500' },
};
export const DEFAULT_TIMEOUT_MS = 15_000;
export const DEFAULT_TICK_MS = 1000;
