/** The targets as the table states them, shared by the suites that measure against them. */
import { fmt } from '../lib/stats';
import { TARGETS } from '../plan';

export const POD_TARGET = `≥ ${fmt(TARGETS.podsPerS)}/s, p99 ≤ ${TARGETS.podP99Ms} ms`;
export const DEPLOYMENT_TARGET = `≥ ${fmt(TARGETS.deploymentPodsPerS)}/s (KWOK's users report ~5 deployments/s)`;
export const BEAT_TARGET = `≥ ${fmt(TARGETS.beatsPerS)}/s, p99 ≤ ${TARGETS.beatP99Ms} ms`;

export const KUBE_POD_TARGET = `≥ ${fmt(TARGETS.kubePodsPerS)}/s`;
