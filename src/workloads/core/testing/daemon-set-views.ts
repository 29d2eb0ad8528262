import {
  CONTROLLER_REVISION_HASH,
  daemonSetHash,
  DaemonNodeView,
  planDaemonSet,
  POD_TEMPLATE_GENERATION,
  TEMPLATE_GENERATION_ANNOTATION,
} from '../daemon-set';
import { DaemonSetView, PodTemplate, PodView } from '../types';

/**
 * The views the DaemonSet specs plan with: the DaemonSet `agent` (uid ds-1, template
 * generation 1), nodes that take pods and have no taints unless told, and its pods, running
 * and ready since 0 with the current revision's hash.
 */
export const NOW = 1_000_000;
export const template = (spec: Record<string, unknown> = {}): PodTemplate => ({
  metadata: { labels: { app: 'agent' } },
  spec: { containers: [{ name: 'a', image: 'agent:1' }], ...spec },
});
export const ds = (
  extra: { spec?: Partial<DaemonSetView['spec']>; generation?: number; deleting?: boolean } = {},
): DaemonSetView => ({
  metadata: {
    name: 'agent',
    namespace: 'default',
    uid: 'ds-1',
    generation: extra.generation ?? 2,
    labels: {},
    annotations: { [TEMPLATE_GENERATION_ANNOTATION]: '1' },
    ownerReferences: [],
    createdAt: 0,
    deleting: extra.deleting ?? false,
  },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    template: template(),
    ...extra.spec,
  },
  status: {},
});
export const node = (name: string, extra: Partial<DaemonNodeView> = {}): DaemonNodeView => ({
  name,
  labels: { 'kubernetes.io/hostname': name },
  taints: [],
  takesPods: true,
  ...extra,
});
export const ours = [
  { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'ds-1', controller: true },
];
export const HASH = daemonSetHash(ds());
export const pod = (
  name: string,
  nodeName: string | null,
  extra: Partial<PodView> = {},
): PodView => ({
  name,
  labels: { app: 'agent', [CONTROLLER_REVISION_HASH]: HASH, [POD_TEMPLATE_GENERATION]: '1' },
  ownerReferences: ours,
  phase: 'Running',
  nodeName,
  ready: true,
  readySince: 0,
  restartCount: 0,
  createdAt: 0,
  deleting: false,
  ...extra,
});
export const names = (plan: ReturnType<typeof planDaemonSet>) =>
  plan.delete.map((d) => `${d.pod.name}:${d.why}`);
