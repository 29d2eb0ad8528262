import { join } from 'node:path';
import { runCli } from '../cli/testing/run-cli';
import {
  addHealthyNodes,
  cliRolloutStatus,
  eventsOf,
  startProcessCluster,
  waitForNode,
} from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * DaemonSets: the real kubectl against the real server, with real agents (the process
 * runtime) running one pod on each node the DaemonSet picks.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

const daemonSet = (name: string, image = 'busybox:1.36', extra = '') => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      nodeSelector: {daemon: "yes"}
      containers:
      - name: ${name}
        image: ${image}
        resources: {requests: {cpu: 100m, memory: 16Mi}}
${extra}`;

interface DaemonPod {
  name: string;
  phase: string;
  node: string;
  owner: string;
  image: string;
  hash: string;
}

/** The pods of a DaemonSet as kubectl lists them, by its label, sorted by node. */
async function daemonPods(k: Kubectl, app: string, namespace = 'default'): Promise<DaemonPod[]> {
  const out = await k.ok(
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    `app=${app}`,
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.spec.nodeName} {.metadata.ownerReferences[0].name} {.spec.containers[0].image} {.metadata.labels.controller-revision-hash}{"\\n"}{end}',
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, phase, node, owner, image, hash] = l.split(' ');
      return { name, phase, node, owner, image, hash };
    })
    .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** Waits until the DaemonSet runs exactly one Running pod on each of these nodes. */
function onePodOn(k: Kubectl, app: string, nodes: string[], namespace = 'default') {
  return waitFor(
    `${app}: one running pod on ${nodes.join(', ')}`,
    async () => {
      const pods = await daemonPods(k, app, namespace);
      const ok =
        pods.length === nodes.length &&
        pods.every((p, i) => p.node === nodes[i] && p.phase === 'Running');
      return ok ? pods : null;
    },
    60000,
    300,
  );
}

suite('DaemonSets through kubectl', () => {
  let t: TestApp;
  let k: Kubectl;

  const addNode = async (name: string, labels: Record<string, string>) => {
    await t.http.post('/nodes').send({ name, cpu_cores: 2, labels }).expect(201);
    await waitForNode(t, name, 'healthy');
  };

  beforeAll(async () => {
    t = await startProcessCluster({ POD_EVICTION_DELAY_MS: '0' });
    k = new Kubectl();
    await k.configure(t.baseUrl);
    await addHealthyNodes(
      t,
      ['d-1', 'd-2'].map((name) => ({ name, cpu_cores: 2, labels: { daemon: 'yes' } })),
    );
  }, 60000);
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  it('kubectl api-resources lists daemonsets (ds) in apps/v1', async () => {
    const out = await k.ok('api-resources', '--api-group=apps');
    expect(out).toMatch(/^daemonsets\s+ds\s+apps\/v1\s+true\s+DaemonSet$/m);
  });

  it('kubectl apply: one running pod per node, pinned to it, owned by the DaemonSet', async () => {
    const applied = await k.run(['apply', '-f', '-'], daemonSet('agent'));
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toMatch(/daemonset.apps\/agent created/);
    const pods = await onePodOn(k, 'agent', ['d-1', 'd-2']);
    for (const p of pods) {
      expect(p.name).toMatch(/^agent-[a-z0-9]{5}$/);
      expect(p.owner).toBe('agent');
    }
    const pod = JSON.parse(await k.ok('get', 'pod', pods[0].name, '-o', 'json'));
    expect(pod.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        name: 'agent',
        controller: true,
      }),
    ]);
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual({
      nodeSelectorTerms: [
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: [pods[0].node] }] },
      ],
    });
    expect(pod.spec.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
      ]),
    );
    expect(pod.metadata.labels['pod-template-generation']).toBe('1');

    const rolled = await k.ok('rollout', 'status', 'ds/agent', '--timeout=60s');
    expect(rolled).toMatch(/daemon set "agent" successfully rolled out/);
    const table = await k.ok('get', 'ds');
    expect(table).toMatch(
      /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m,
    );
    expect(table).toMatch(/^agent\s+2\s+2\s+2\s+2\s+2\s+daemon=yes\s+\d+s$/m);
    const wide = await k.ok('get', 'daemonset', 'agent', '-o', 'wide');
    expect(wide).toMatch(/CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(wide).toMatch(/agent\s+busybox:1\.36\s+app=agent/);
    const cli = await runCli(t.baseUrl, ['get', 'ds']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/default\s+agent\s+2\s+2\s+2\s+2\s+2\s+daemon=yes\s/);
    const created = (await eventsOf(t, 'daemonset/agent')).filter(
      (e) => e.reason === 'SuccessfulCreate',
    );
    expect(created).toHaveLength(2);
    expect(await k.ok('describe', 'ds', 'agent')).toMatch(
      /SuccessfulCreate\s+\S+\s+daemonset-controller\s+Created pod: agent-/,
    );
  }, 120000);

  it('a new node gets its pod; one whose labels do not match, or with an untolerated taint, gets none', async () => {
    await addNode('d-3', { daemon: 'yes' });
    await onePodOn(k, 'agent', ['d-1', 'd-2', 'd-3']);

    await addNode('d-4', { daemon: 'no' });
    await t.http
      .post('/nodes')
      .send({ name: 'd-5', cpu_cores: 2, labels: { daemon: 'yes' } })
      .expect(201);
    // it matches the selector, but a taint the DaemonSet does not tolerate keeps it away
    await k.ok('taint', 'nodes', 'd-5', 'dedicated=gpu:NoExecute');
    await waitForNode(t, 'd-5', 'healthy');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await daemonPods(k, 'agent')).map((p) => p.node)).toEqual(['d-1', 'd-2', 'd-3']);
    expect(
      await k.ok('get', 'ds', 'agent', '-o', 'jsonpath={.status.desiredNumberScheduled}'),
    ).toBe('3');

    // tolerating it, the DaemonSet goes there too (a new template: the pods roll over)
    await k.ok(
      'patch',
      'ds',
      'agent',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/template/spec/tolerations","value":[{"key":"dedicated","operator":"Exists"}]}]',
    );
    await k.ok('rollout', 'status', 'ds/agent', '--timeout=120s');
    await onePodOn(k, 'agent', ['d-1', 'd-2', 'd-3', 'd-5']);
  }, 240000);

  it('a node no longer eligible loses its pod; a deleted node takes its pod with it', async () => {
    await k.ok('taint', 'nodes', 'd-3', 'evict=now:NoExecute');
    await onePodOn(k, 'agent', ['d-1', 'd-2', 'd-5']);
    await t.http.delete('/nodes/d-5').expect(200);
    await onePodOn(k, 'agent', ['d-1', 'd-2']);
    const deleted = (await eventsOf(t, 'daemonset/agent')).filter(
      (e) => e.reason === 'SuccessfulDelete',
    );
    expect(deleted.length).toBeGreaterThanOrEqual(1);
    expect(
      await k.ok('get', 'ds', 'agent', '-o', 'jsonpath={.status.desiredNumberScheduled}'),
    ).toBe('2');
    await t.http.delete('/nodes/d-3').expect(200);
    await t.http.delete('/nodes/d-4').expect(200);
  }, 120000);

  it('kubectl set image rolls the pods over, one node at a time, and rollout status waits for it', async () => {
    const before = await daemonPods(k, 'agent');
    await k.ok('set', 'image', 'ds/agent', 'agent=busybox:1.37');
    // kubesim's own CLI follows it in kubectl's words, to the same end
    expect(await cliRolloutStatus(t, 'ds/agent')).toBe(
      'daemon set "agent" successfully rolled out',
    );
    const rolled = await k.ok('rollout', 'status', 'ds/agent', '--timeout=120s');
    expect(rolled).toMatch(/daemon set "agent" successfully rolled out/);
    const after = await onePodOn(k, 'agent', ['d-1', 'd-2']);
    expect(after.every((p) => p.image === 'busybox:1.37')).toBe(true);
    expect(new Set(after.map((p) => p.hash)).size).toBe(1);
    expect(after[0].hash).not.toBe(before[0].hash);
    expect(after.map((p) => p.name).some((n) => before.some((b) => b.name === n))).toBe(false);
    const status = await k.ok(
      'get',
      'ds',
      'agent',
      '-o',
      'jsonpath={.metadata.generation} {.status.observedGeneration} {.status.updatedNumberScheduled} {.status.numberAvailable} {.metadata.annotations.deprecated\\.daemonset\\.template\\.generation}',
    );
    const [generation, observed, updated, available, templateGeneration] = status.split(' ');
    expect(observed).toBe(generation);
    expect([updated, available]).toEqual(['2', '2']);
    expect(Number(templateGeneration)).toBeGreaterThanOrEqual(3);
  }, 180000);

  it('kubectl drain refuses DaemonSet pods without --ignore-daemonsets; with it, they stay and the rest go', async () => {
    const bare = await k.run(
      ['apply', '-f', '-'],
      `apiVersion: v1
kind: Pod
metadata: {name: bare}
spec:
  nodeSelector: {kubernetes.io/hostname: d-2}
  containers:
  - {name: main, image: busybox:1.36, resources: {requests: {cpu: 100m}}}
`,
    );
    expect(bare.stderr).toBe('');
    await k.ok('wait', '--for=condition=Ready', 'pod/bare', '--timeout=60s');
    const daemonPod = (await daemonPods(k, 'agent')).find((p) => p.node === 'd-2')!;

    const refused = await k.run(['drain', 'd-2', '--force', '--timeout=60s']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      new RegExp(
        `cannot delete DaemonSet-managed Pods \\(use --ignore-daemonsets to ignore\\): default/${daemonPod.name}`,
      ),
    );
    expect(await k.ok('get', 'pod', 'bare', '-o', 'jsonpath={.spec.nodeName}')).toBe('d-2');

    const drained = await k.run([
      'drain',
      'd-2',
      '--ignore-daemonsets',
      '--force',
      '--timeout=60s',
    ]);
    expect(drained.code).toBe(0);
    const said = drained.stdout + drained.stderr;
    expect(said).toMatch(new RegExp(`ignoring DaemonSet-managed Pods: default/${daemonPod.name}`));
    expect(said).toMatch(/pod\/bare evicted/);
    expect(said).toMatch(/node\/d-2 drained/);
    expect((await k.run(['get', 'pod', 'bare'])).stderr).toMatch(/pods "bare" not found/);
    const pods = await onePodOn(k, 'agent', ['d-1', 'd-2']);
    expect(pods[1].name).toBe(daemonPod.name);

    // the node is cordoned, and still a daemon pod deleted there comes back there
    await k.ok('delete', 'pod', daemonPod.name);
    const back = await waitFor(
      'a new daemon pod on the cordoned node',
      async () => {
        const now = await daemonPods(k, 'agent');
        const on2 = now.find((p) => p.node === 'd-2');
        return on2 && on2.name !== daemonPod.name && on2.phase === 'Running' ? on2 : null;
      },
      60000,
      300,
    );
    expect(back.owner).toBe('agent');
    await k.ok('uncordon', 'd-2');
  }, 180000);

  it('a failed node keeps its daemon pod: pinned, it is not moved elsewhere', async () => {
    const before = await daemonPods(k, 'agent');
    const onOne = before.find((p) => p.node === 'd-1')!;
    await t.http.post('/nodes/d-1/simulate/failure').send({ mode: 'crash' }).expect(200);
    await waitForNode(t, 'd-1', 'failed');
    // several monitor ticks with the node failed
    await new Promise((r) => setTimeout(r, 1500));
    const during = await daemonPods(k, 'agent');
    expect(during.map((p) => [p.name, p.node])).toEqual(before.map((p) => [p.name, p.node]));
    const evicted = await eventsOf(t, `pod/${onOne.name}`);
    expect(evicted.filter((e) => e.reason === 'PodEvicted')).toEqual([]);
    // the agent restarts (recovery), and the same pod runs there again
    await waitForNode(t, 'd-1', 'healthy', 60000);
    const after = await onePodOn(k, 'agent', ['d-1', 'd-2']);
    expect(after[0].name).toBe(onOne.name);
  }, 120000);

  it('fieldValidation=Strict refuses an unknown field, as kube-apiserver does', async () => {
    const r = await k.run(
      ['apply', '-f', '-'],
      daemonSet('typo').replace('spec:\n  selector', 'spec:\n  replicas: 2\n  selector'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/strict decoding error: unknown field "spec.replicas"/);
    expect((await k.run(['get', 'ds', 'typo'])).stderr).toMatch(/daemonsets.apps "typo" not found/);
    // the shipped example passes, and a server-side dry run stores nothing
    const example = join(__dirname, '..', 'examples', 'daemonset.yaml');
    const dry = await k.run(['apply', '--dry-run=server', '-f', example]);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toMatch(/daemonset.apps\/log-agent created \(server dry run\)/);
    expect((await k.run(['get', 'ds', 'log-agent'])).stderr).toMatch(/not found/);
  });

  it('--cascade=orphan keeps the pods (applied again, the DaemonSet adopts them); a plain delete takes them', async () => {
    const before = await daemonPods(k, 'agent');
    const orphaned = await k.ok('delete', 'ds', 'agent', '--cascade=orphan');
    expect(orphaned).toMatch(/daemonset.apps "agent" deleted/);
    await new Promise((r) => setTimeout(r, 1000));
    const kept = await daemonPods(k, 'agent');
    expect(kept.map((p) => p.name)).toEqual(before.map((p) => p.name));
    expect(kept.every((p) => p.owner === '')).toBe(true);

    // the same template as before (the image set, the toleration patched in): nothing to roll
    await k.run(
      ['apply', '-f', '-'],
      daemonSet(
        'agent',
        'busybox:1.37',
        '      tolerations: [{key: dedicated, operator: Exists}]\n',
      ),
    );
    const adopted = await waitFor(
      'the orphans adopted',
      async () => {
        const pods = await daemonPods(k, 'agent');
        return pods.length === 2 && pods.every((p) => p.owner === 'agent') ? pods : null;
      },
      30000,
      300,
    );
    expect(adopted.map((p) => p.name)).toEqual(before.map((p) => p.name));

    await k.ok('delete', 'ds', 'agent', '--cascade=foreground');
    await waitFor(
      'the pods gone',
      async () => (await daemonPods(k, 'agent')).length === 0,
      60000,
      300,
    );
    expect((await k.run(['get', 'ds', 'agent'])).stderr).toMatch(/not found/);
  }, 120000);

  it('deleting a namespace removes its DaemonSets and their pods', async () => {
    await k.ok('create', 'namespace', 'team-ds');
    const applied = await k.run(['apply', '-n', 'team-ds', '-f', '-'], daemonSet('logs'));
    expect(applied.stderr).toBe('');
    await onePodOn(k, 'logs', ['d-1', 'd-2'], 'team-ds');
    await k.ok('delete', 'namespace', 'team-ds', '--timeout=60s');
    expect((await k.run(['get', 'ds', '-n', 'team-ds'])).stdout).not.toMatch(/logs/);
    expect(await daemonPods(k, 'logs', 'team-ds')).toEqual([]);
  }, 120000);
});
