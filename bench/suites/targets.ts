/** The targets as the table states them, shared by the suites that measure against them. */
import { fmt, fmtMs } from '../lib/stats';
import { TARGETS } from '../plan';

export const POD_TARGET = `≥ ${fmt(TARGETS.podsPerS)}/s, p99 ≤ ${TARGETS.podP99Ms} ms`;
export const DEPLOYMENT_TARGET = `≥ ${fmt(TARGETS.deploymentPodsPerS)}/s (KWOK's users report ~5 deployments/s)`;
export const BEAT_TARGET = `≥ ${fmt(TARGETS.beatsPerS)}/s, p99 ≤ ${TARGETS.beatP99Ms} ms`;

export const KUBE_POD_TARGET = `≥ ${fmt(TARGETS.kubePodsPerS)}/s`;

export const WATCH_TARGET =
  `≥ ${fmt(TARGETS.watchEventsPerS)} events/s to each of ${TARGETS.watchers} watchers, ` +
  `none missing, lag p99 ≤ ${fmtMs(TARGETS.watchLagP99Ms)}`;
export const BIG_RSS_TARGET = `RSS ≤ ${fmt(TARGETS.bigRssMb)} MB`;
export const BIG_SOAK_TARGET =
  `${fmt(TARGETS.bigNodes / (TARGETS.bigBeatIntervalMs / 1000))} beats/s kept, ` +
  `no false failure over ${TARGETS.bigSoakS / 60} min`;
