import { Step } from '../lib/progress';
import { fmt } from '../lib/stats';
import { DEFAULT_TIMEOUT_MS } from '../plan';
import { loadSizes, SuiteContext, wants } from './context';

/** The steps of the progress bar, weighted by their expected seconds. */
export function plannedSteps(ctx: Omit<SuiteContext, 'progress'>): Step[] {
  const { plan } = ctx;
  const steps: Step[] = [];
  const own = ctx.external === null;
  const last = plan.sizes[plan.sizes.length - 1];
  if (wants(ctx, 'pods', 'heartbeats', 'scale', 'deployment')) {
    if (own) steps.push({ key: 'load-boot', label: 'starting the load server', weight: 6 });
    let prev = 0;
    for (const size of loadSizes(ctx)) {
      steps.push({
        key: `register-${size}`,
        label: `registering nodes up to ${fmt(size)}`,
        weight: (size - prev) / 250,
      });
      prev = size;
      if (size === plan.deploymentNodes && wants(ctx, 'deployment'))
        steps.push({
          key: 'deployment',
          label: `one Deployment scaled 0 → ${fmt(plan.deploymentReplicas)}`,
          weight: plan.deploymentReplicas / 250,
        });
      if (size === last && wants(ctx, 'heartbeats'))
        steps.push({
          key: 'heartbeats',
          label: `heartbeats, ${fmt(size)} nodes`,
          weight: plan.heartbeatRunS,
        });
      if (wants(ctx, 'pods')) {
        steps.push({
          key: `pods-${size}-${plan.algorithms[0]}`,
          label: `pod creations, ${fmt(size)} nodes, ${plan.algorithms[0]}`,
          weight: plan.podRunS + (prev === plan.sizes[0] ? plan.warmupS : 0),
        });
      }
    }
    if (wants(ctx, 'pods')) {
      for (const algo of plan.algorithms.slice(1))
        steps.push({
          key: `pods-${last}-${algo}`,
          label: `pod creations, ${fmt(last)} nodes, ${algo}`,
          weight: plan.podRunS,
        });
      steps.push({
        key: `pods-${last}-kube`,
        label: `pod creations through the Kubernetes API, ${fmt(last)} nodes`,
        weight: plan.podRunS,
      });
    }
    if (wants(ctx, 'scale'))
      steps.push({
        key: 'scale',
        label: `scale: ${fmt(last)} nodes + ${fmt(plan.scalePods)} pods`,
        weight: Math.min(plan.scaleMaxS, plan.scalePods / 400) + 3,
      });
    if (own) steps.push({ key: 'load-stop', label: 'stopping the load server', weight: 3 });
  }
  if (wants(ctx, 'client')) {
    const c = plan.sameClient;
    if (own)
      steps.push({ key: 'client-boot', label: 'starting the same-client server', weight: 6 });
    steps.push({
      key: 'client',
      label: `same client as the peers (node:http, c16/c32), ${fmt(c.nodes)} nodes`,
      weight:
        (2 * c.nodes) / 400 +
        (4 * c.beatRounds * c.nodes) / 2500 +
        (c.mixedPods + 2 * c.pods) / 1500 +
        5,
    });
    if (own)
      steps.push({ key: 'client-stop', label: 'stopping the same-client server', weight: 3 });
  }
  if (wants(ctx, 'watch')) {
    const w = plan.watch;
    if (own) steps.push({ key: 'watch-boot', label: 'starting the watch server', weight: 6 });
    steps.push({
      key: 'watch',
      label: `watch fan-out: ${w.watchers} watchers, ${fmt(w.ratePerS)} pods/s`,
      weight: w.nodes / 400 + w.seconds + 3,
    });
    if (own) steps.push({ key: 'watch-stop', label: 'stopping the watch server', weight: 3 });
  }
  const defaultFigures = own
    ? wants(ctx, 'startup', 'detection', 'soak')
    : wants(ctx, 'startup', 'soak');
  if (defaultFigures) {
    if (own)
      steps.push({ key: 'default-boot', label: 'starting the default-timings server', weight: 6 });
    if (wants(ctx, 'startup'))
      steps.push({
        key: 'startup',
        label: 'pod startup',
        weight: (plan.startupPods * plan.startupEveryMs) / 1000 + 10,
      });
    if (own && wants(ctx, 'detection'))
      steps.push({
        key: 'detection',
        label: 'failure detection',
        weight: DEFAULT_TIMEOUT_MS / 1000 + 5,
      });
    if (wants(ctx, 'soak'))
      steps.push({
        key: 'soak',
        label: `heartbeat soak, ${fmt(plan.soakNodes)} agents`,
        weight: plan.soakNodes / 250 + plan.soakS + 6,
      });
    if (own) steps.push({ key: 'default-stop', label: 'stopping the default server', weight: 3 });
  }
  if (own && wants(ctx, 'resched')) {
    steps.push({ key: 'short-boot', label: 'starting the short-timeout server', weight: 6 });
    steps.push({ key: 'resched', label: 'rescheduling', weight: plan.reschedRepetitions * 7 });
    steps.push({ key: 'short-stop', label: 'stopping the short-timeout server', weight: 3 });
  }
  if (own && wants(ctx, 'scale15k')) {
    const b = plan.scaleSoak;
    steps.push({ key: 'scale15k-boot', label: 'starting the big-soak server', weight: 6 });
    steps.push({
      key: 'scale15k',
      label: `${fmt(b.nodes)} nodes + ${fmt(b.pods)} pods, soaked ${b.soakS} s`,
      weight: b.nodes / 300 + Math.min(b.podsMaxS, b.pods / 400) + b.soakS + 5,
    });
    if (ctx.heapSnapshotDir)
      steps.push({ key: 'scale15k-heap-snapshot', label: 'heap snapshots', weight: 30 });
    steps.push({ key: 'scale15k-stop', label: 'stopping the big-soak server', weight: 3 });
  }
  return steps;
}
