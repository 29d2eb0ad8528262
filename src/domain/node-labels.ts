/** The prefix of a node's role labels (`node-role.kubernetes.io/worker`). */
export const ROLE_LABEL = 'node-role.kubernetes.io/';

/**
 * A node's labels as Kubernetes shows and schedules by them: the well-known ones a kubelet
 * sets (`kubernetes.io/hostname`, os, arch, the role), then the node's own, which win.
 */
export function nodeLabels(node: {
  name: string;
  nodeType: 'worker' | 'master';
  labels?: Readonly<Record<string, string>> | null;
}): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': node.name,
    'kubernetes.io/os': 'linux',
    [`${ROLE_LABEL}${node.nodeType === 'master' ? 'control-plane' : 'worker'}`]: '',
    ...(node.labels ?? {}),
  };
}
