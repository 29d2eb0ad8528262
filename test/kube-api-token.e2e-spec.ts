import { clientNode } from './setup/client-node';
import { kubectlSuite, row } from './setup/kubectl-suite';
import { startTestApp, TestApp } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * The Kubernetes API driven by the real kubectl (and @kubernetes/client-node) against the
 * real server on PostgreSQL. Only stdout and stderr of kubectl are looked at, as a user would.
 */
const suite = kubectlSuite();

suite('the Kubernetes API with KUBESIM_API_TOKEN', () => {
  let t: TestApp;
  const k = new Kubectl();

  beforeAll(async () => {
    t = await startTestApp({ KUBESIM_API_TOKEN: 'kube-token-0123456789' });
    await k.configure(t.baseUrl, { KUBESIM_API_TOKEN: 'kube-token-0123456789' });
  });
  afterAll(async () => {
    k.close();
    await t?.close();
  });

  it('takes the bearer token of the kubeconfig kubesim writes; a change without it is Unauthorized', async () => {
    const create = (token: string | null) => `
      import * as k8s from '@kubernetes/client-node';
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(${JSON.stringify(k.kubeconfig)});
      ${token === null ? 'kc.users[0].token = undefined;' : ''}
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const body = { metadata: { name: 'by-client' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
      try { const pod = await core.createNamespacedPod({ namespace: 'default', body }); console.log(pod.metadata.name); }
      catch (err) { console.log(err.code); }`;
    expect(await clientNode(create(null))).toBe('401');
    await t.http.get('/pods/by-client').expect(404);
    expect(await clientNode(create('kubeconfig'))).toBe('by-client');
    await t.http.get('/pods/by-client').expect(200);

    // kubectl withholds credentials from a plain-http server: its reads work, its changes do not
    expect(row(await k.ok('get', 'pods'), 'by-client')).toBeDefined();
    const refused = await k.run(['run', 'nope', '--image=nginx']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Unauthorized');
    await t.http.get('/pods/nope').expect(404);
  });
});
