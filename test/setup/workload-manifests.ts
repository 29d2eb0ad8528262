/**
 * The workloads the dashboard's workloads view is shown with: a Deployment whose rollouts last
 * long enough to be seen in the middle, and a Job of two completions, one at a time.
 */

export const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas: 2,
    // one new pod at a time, each available only after 2 s: the rollout takes long enough
    // for the page to show it in the middle
    minReadySeconds: 2,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' }, annotations: { 'kubesim.io/cpu-usage': '500m' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            resources: { requests: { cpu: '250m', memory: '32Mi' } },
          },
        ],
      },
    },
  },
};

export const job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'report' },
  spec: {
    completions: 2,
    parallelism: 1,
    template: {
      spec: {
        restartPolicy: 'Never',
        containers: [
          {
            name: 'main',
            image: 'busybox:1.36',
            command: ['sleep', '1'],
            resources: { requests: { cpu: '100m', memory: '16Mi' } },
          },
        ],
      },
    },
  },
};

/** A Kubernetes object as the API answers it, as far as the view is checked against it. */
export interface KubeObject {
  metadata: {
    name: string;
    uid: string;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ kind: string; name: string; uid: string }>;
  };
  spec: Record<string, any>;
  status?: Record<string, any>;
}
