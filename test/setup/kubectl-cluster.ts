import { Kubectl } from './kubectl';
import { healthyNode, startTestApp, TestApp } from './test-app';

/** A pod as kubectl users write one: the manifest the Kubernetes API suites apply and vary. */
export const POD_YAML = `
apiVersion: v1
kind: Pod
metadata:
  name: api
  labels: { app: api }
spec:
  containers:
    - name: main
      image: busybox:1.36
      command: ["sh", "-c", "sleep 3600"]
      resources:
        requests: { cpu: 250m, memory: 64Mi }
`;

/**
 * The cluster the Kubernetes API suites drive kubectl against, made before the file's tests
 * and stopped after them: the app, a kubectl configured for it, and three nodes: w1 (a
 * worker of 4 cores and 8 GiB, beating), w2 (2 cores, registered but never beating) and m1
 * (a master, beating).
 */
export function kubectlCluster(): {
  readonly t: TestApp;
  readonly k: Kubectl;
  readonly w1: { id: number; token: string };
} {
  let t: TestApp;
  let k: Kubectl;
  let w1: { id: number; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    k = new Kubectl();
    await k.configure(t.baseUrl);
    w1 = await healthyNode(t, 'w1', 4, { memory_mb: 8192 });
    await t.http.post('/nodes').send({ name: 'w2', cpu_cores: 2 }).expect(201); // never beats
    await healthyNode(t, 'm1', 2, { node_type: 'master' });
  });
  afterAll(async () => {
    k?.close();
    await t?.close();
  });
  return {
    get t() {
      return t;
    },
    get k() {
      return k;
    },
    get w1() {
      return w1;
    },
  };
}
