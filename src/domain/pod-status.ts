/** What a pod can be, in kubesim's own words (SPEC §3); the Kubernetes API maps these to phases. */
export const POD_STATUSES = ['pending', 'scheduled', 'running', 'succeeded', 'failed'] as const;
export type PodStatus = (typeof POD_STATUSES)[number];
