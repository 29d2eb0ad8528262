/** What a node can be, in kubesim's own words (SPEC §3); the Kubernetes API maps these to conditions. */
export const NODE_STATUSES = [
  'pending',
  'healthy',
  'not_ready',
  'failed',
  'recovering',
  'permanently_failed',
  'stopped',
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

export const NODE_TYPES = ['worker', 'master'] as const;
export type NodeType = (typeof NODE_TYPES)[number];
