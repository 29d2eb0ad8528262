import { runCli } from '../cli/testing/run-cli';
import { addHealthyNodes, cliRolloutStatus, startProcessCluster } from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * Deployments and ReplicaSets keep desired state: the real kubectl against the real
 * server, with real agents (the process runtime) running the pods.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: busybox:1.36
        resources: {requests: {cpu: 100m, memory: 16Mi}}
`;

/** The pods of the Deployment, as kubectl lists them: name → [status, node]. */
async function webPods(
  k: Kubectl,
): Promise<Array<{ name: string; phase: string; node: string; owner: string }>> {
  const out = await k.ok(
    'get',
    'pods',
    '-l',
    'app=web',
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.metadata.ownerReferences[0].name}{"\\n"}{end}',
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, phase, node, owner] = l.split(' ');
      return { name, phase, node, owner };
    });
}

suite('workloads through kubectl', () => {
  let t: TestApp;
  let k: Kubectl;

  beforeAll(async () => {
    t = await startProcessCluster();
    k = new Kubectl();
    await k.configure(t.baseUrl);
    await addHealthyNodes(
      t,
      ['w-1', 'w-2', 'w-3'].map((name) => ({ name, cpu_cores: 2 })),
    );
  }, 60000);
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  /** The Deployment's two replicas all running, none on `node`. */
  const twoReplicasOffNode = (node: string) =>
    waitFor(
      `the two replicas running off ${node}`,
      async () => {
        const pods = await webPods(k);
        return pods.length === 2 && pods.every((p) => p.phase === 'Running' && p.node !== node);
      },
      60000,
      500,
    );

  it('kubectl api-resources lists deployments and replicasets', async () => {
    const out = await k.ok('api-resources', '--api-group=apps');
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(out).toMatch(/^replicasets\s+rs\s+apps\/v1\s+true\s+ReplicaSet$/m);
  });

  it('applies a Deployment of 3 and waits for its rollout', async () => {
    const applied = await k.run(['apply', '-f', '-'], MANIFEST);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/deployment.apps\/web (created|configured|unchanged)/);
    const status = await k.ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(status).toMatch(/successfully rolled out/);
    const pods = await webPods(k);
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.phase).toBe('Running');
      expect(p.name).toMatch(
        /^web-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
      );
    }
    const table = await k.ok('get', 'deployments');
    expect(table).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    expect(table).toMatch(/^web\s+3\/3\s+3\s+3\s+/m);
    expect(await k.ok('get', 'rs')).toMatch(/^web-\S+\s+3\s+3\s+3\s+/m);
  }, 90000);

  it('replaces a deleted pod', async () => {
    const [victim] = await webPods(k);
    await k.ok('delete', 'pod', victim.name, '--wait=false');
    await waitFor(
      'a replacement pod',
      async () => {
        const pods = await webPods(k);
        return (
          pods.length === 3 &&
          !pods.some((p) => p.name === victim.name) &&
          pods.every((p) => p.phase === 'Running')
        );
      },
      30000,
      300,
    );
    const events = await k.ok('get', 'events');
    expect(events).toMatch(/SuccessfulCreate/);
  }, 60000);

  it('scales to 5 and back to 2', async () => {
    await k.ok('scale', 'deployment/web', '--replicas=5');
    await k.ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(await webPods(k)).toHaveLength(5);
    await k.ok('scale', 'deployment/web', '--replicas=2');
    await waitFor('two pods', async () => (await webPods(k)).length === 2, 30000, 300);
    await waitFor(
      'the Deployment to report 2/2',
      async () => /^web\s+2\/2\s+2\s+2\s+/m.test(await k.ok('get', 'deploy', 'web')),
      20000,
      300,
    );
  }, 90000);

  it('rolls out a new image and undoes it', async () => {
    await k.ok('set', 'image', 'deployment/web', 'web=busybox:1.37');
    // kubesim's own CLI follows the rollout as kubectl does, to the same last line
    expect(await cliRolloutStatus(t, 'deployment/web')).toBe(
      'deployment "web" successfully rolled out',
    );
    expect(await k.ok('rollout', 'status', 'deployment/web', '--timeout=60s')).toMatch(
      /deployment "web" successfully rolled out/,
    );
    const image = await k.ok(
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    expect(image).toBe('busybox:1.37');
    const history = await k.ok('rollout', 'history', 'deployment/web');
    expect(history).toMatch(/^1\s/m);
    expect(history).toMatch(/^2\s/m);
    await k.ok('rollout', 'undo', 'deployment/web');
    await k.ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    expect(
      await k.ok(
        'get',
        'deploy',
        'web',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ),
    ).toBe('busybox:1.36');
    expect(
      await k.ok(
        'get',
        'deploy',
        'web',
        '-o',
        "jsonpath={.metadata.annotations['deployment\\.kubernetes\\.io/revision']}",
      ),
    ).toBe('3');
    await waitFor('the old pods gone', async () => (await webPods(k)).length === 2, 30000, 300);
  }, 120000);

  it('kubesim rollout restart replaces every pod through a new revision', async () => {
    const before = (await webPods(k)).map((p) => p.name);
    const restarted = await runCli(t.baseUrl, ['rollout', 'restart', 'deployment/web']);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toMatch(/deployment.apps\/web restarted/);
    expect(await cliRolloutStatus(t, 'deployment/web')).toMatch(/successfully rolled out/);
    expect(
      await k.ok(
        'get',
        'deploy',
        'web',
        '-o',
        "jsonpath={.metadata.annotations['deployment\\.kubernetes\\.io/revision']}",
      ),
    ).toBe('4');
    await waitFor(
      'every old pod replaced',
      async () => {
        const pods = await webPods(k);
        return pods.length === 2 && pods.every((p) => !before.includes(p.name));
      },
      30000,
      300,
    );
  }, 90000);

  it('kubectl create deployment (a protobuf body) makes one, with its replicas and command', async () => {
    expect(
      await k.ok(
        'create',
        'deployment',
        'hello',
        '--image=busybox:1.36',
        '--replicas=2',
        '--port=8080',
        '--',
        'sleep',
        '3600',
      ),
    ).toBe('deployment.apps/hello created\n');
    await k.ok('rollout', 'status', 'deployment/hello', '--timeout=60s');
    const d = JSON.parse(await k.ok('get', 'deploy', 'hello', '-o', 'json'));
    expect(d.spec).toMatchObject({
      replicas: 2,
      selector: { matchLabels: { app: 'hello' } },
      template: {
        metadata: { labels: { app: 'hello' } },
        spec: {
          containers: [
            {
              name: 'busybox',
              image: 'busybox:1.36',
              command: ['sleep', '3600'],
              ports: [{ containerPort: 8080 }],
            },
          ],
        },
      },
    });
    expect(d.status.availableReplicas).toBe(2);
    await k.ok('delete', 'deployment', 'hello');
  }, 90000);

  it('refuses a Deployment whose selector does not match its template, storing nothing', async () => {
    const bad = MANIFEST.replace('name: web\n  labels', 'name: bad\n  labels').replace(
      'matchLabels: {app: web}',
      'matchLabels: {app: other}',
    );
    const r = await k.run(['apply', '-f', '-'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/selector.*does not match template/);
    expect((await k.run(['get', 'deploy', 'bad'])).stderr).toMatch(/NotFound|not found/);
  });

  it("kubectl drain evicts a node's pods: a bare pod only with --force, controlled ones replaced elsewhere", async () => {
    const victim = (await webPods(k))[0].node;
    const bare = await k.run(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Pod
metadata: {name: bare}
spec:
  nodeSelector: {kubernetes.io/hostname: ${victim}}
  containers:
  - {name: main, image: busybox:1.36, resources: {requests: {cpu: 100m}}}
`,
    );
    expect(bare.stderr).toBe('');
    await k.ok('wait', '--for=condition=Ready', 'pod/bare', '--timeout=60s');

    // as in Kubernetes: a pod no controller would replace stops the drain (after the cordon)
    const refused = await k.run(['drain', victim, '--timeout=60s']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /cannot delete Pods that declare no controller \(use --force to override\): default\/bare/,
    );
    expect(await k.ok('get', 'pod', 'bare', '-o', 'jsonpath={.spec.nodeName}')).toBe(victim);

    const drained = await k.run(['drain', victim, '--force', '--timeout=60s']);
    expect(drained.code).toBe(0);
    const said = drained.stdout + drained.stderr;
    expect(said).toMatch(/evicting pod default\/bare/);
    expect(said).toMatch(/pod\/bare evicted/);
    expect(said).toMatch(new RegExp(`node/${victim} drained`));
    expect((await k.run(['get', 'pod', 'bare'])).stderr).toMatch(/pods "bare" not found/);
    await twoReplicasOffNode(victim);
    expect(await k.ok('get', 'events', '--field-selector', 'reason=Evicted')).toMatch(
      /Pod bare evicted \(Eviction API\)/,
    );
    await k.ok('uncordon', victim);
  }, 120000);

  it('a node killed: its controlled pods are deleted and replaced elsewhere, the replicas kept', async () => {
    const before = await webPods(k);
    const victim = before[0].node;
    await t.http.post(`/nodes/${victim}/simulate/failure`).send({ mode: 'crash' }).expect(200);
    await twoReplicasOffNode(victim);
    const events = await k.ok('get', 'events');
    expect(events).toMatch(/deleted, not moved: its ReplicaSet web-/);
  }, 90000);

  it('--cascade=orphan keeps the pods and clears their owner references', async () => {
    await k.ok('delete', 'deployment', 'web', '--cascade=orphan');
    const rs = await k.ok(
      'get',
      'rs',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}:{.metadata.ownerReferences}{"\\n"}{end}',
    );
    for (const line of rs.split('\n').filter(Boolean)) expect(line).toMatch(/:$/);
    // the ReplicaSets keep their pods; deleting them orphaned leaves bare pods
    for (const name of rs
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(':')[0])) {
      await k.ok('delete', 'rs', name, '--cascade=orphan');
    }
    const pods = await webPods(k);
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.owner).toBe('');
  }, 60000);
});
