import { kubectlSuite, row, rows } from './setup/kubectl-suite';
import { kubectlCluster, POD_YAML } from './setup/kubectl-cluster';
import { TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * The Kubernetes API driven by the real kubectl against the real server on PostgreSQL:
 * discovery, nodes (v1.Node, cordon) and the errors as kube-apiserver words them (Status
 * objects, strict validation, 410 Expired). Only stdout and stderr of kubectl are looked at,
 * as a user would.
 */
const suite = kubectlSuite();

suite('the Kubernetes API through kubectl', () => {
  const cluster = kubectlCluster();
  let t: TestApp;
  let k: Kubectl;
  beforeAll(() => ({ t, k } = cluster));

  it('answers kubectl version, api-resources and cluster-info', async () => {
    expect(await k.ok('version')).toMatch(/^Server Version: v1\.32\.0\+kubesim$/m);
    const resources = rows(await k.ok('api-resources'));
    expect(resources[0]).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(resources).toEqual(
      expect.arrayContaining([
        ['nodes', 'no', 'v1', 'false', 'Node'],
        ['pods', 'po', 'v1', 'true', 'Pod'],
        ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
        ['events', 'ev', 'v1', 'true', 'Event'],
      ]),
    );
    expect(await k.ok('cluster-info')).toContain(
      `Kubernetes control plane is running at ${t.baseUrl}`,
    );
  });

  it('kubectl get nodes prints the columns of a real cluster, Ready from heartbeats', async () => {
    const out = await k.ok('get', 'nodes');
    expect(rows(out)[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(row(out, 'w1')).toEqual([
      'w1',
      'Ready',
      'worker',
      expect.stringMatching(/^\d+s$/),
      'v1.32.0+kubesim',
    ]);
    expect(row(out, 'w2')?.slice(0, 3)).toEqual(['w2', 'NotReady', 'worker']);
    expect(row(out, 'm1')?.slice(0, 3)).toEqual(['m1', 'Ready', 'control-plane']);
    const wide = rows(await k.ok('get', 'nodes', '-o', 'wide'));
    expect(wide[0]).toEqual(expect.arrayContaining(['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE']));
  });

  it('a node is a v1.Node: quantities, addresses, labels, conditions, uid and resourceVersion', async () => {
    const node = JSON.parse(await k.ok('get', 'node', 'w1', '-o', 'json'));
    expect(node).toMatchObject({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: 'w1',
        uid: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
        ),
        resourceVersion: expect.stringMatching(/^\d+$/),
        labels: { 'kubernetes.io/hostname': 'w1', 'node-role.kubernetes.io/worker': '' },
      },
      status: {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi' },
        addresses: expect.arrayContaining([
          { type: 'InternalIP', address: expect.any(String) },
          { type: 'Hostname', address: 'w1' },
        ]),
        nodeInfo: { kubeletVersion: 'v1.32.0+kubesim', operatingSystem: 'linux' },
      },
    });
    const ready = (n: { status: { conditions: Array<{ type: string; status: string }> } }) =>
      n.status.conditions.find((c) => c.type === 'Ready')?.status;
    expect(ready(node)).toBe('True');
    expect(ready(JSON.parse(await k.ok('get', 'node', 'w2', '-o', 'json')))).toBe('Unknown');
    const master = JSON.parse(await k.ok('get', 'node', 'm1', '-o', 'json'));
    expect(master.metadata.labels).toHaveProperty(['node-role.kubernetes.io/control-plane'], '');
  });

  it('kubectl cordon and uncordon change kubesim node through spec.unschedulable', async () => {
    expect(await k.ok('cordon', 'w1')).toContain('node/w1 cordoned');
    expect((await t.http.get('/nodes/w1')).body.cordoned).toBe(true);
    expect(row(await k.ok('get', 'nodes'), 'w1')?.[1]).toBe('Ready,SchedulingDisabled');
    expect(JSON.parse(await k.ok('get', 'node', 'w1', '-o', 'json')).spec.unschedulable).toBe(true);

    expect(await k.ok('uncordon', 'w1')).toContain('node/w1 uncordoned');
    expect((await t.http.get('/nodes/w1')).body.cordoned).toBe(false);
    expect(row(await k.ok('get', 'nodes'), 'w1')?.[1]).toBe('Ready');

    // kubectl replace: the cordon from the whole object (its heartbeats move its version on,
    // so a replace may meet a newer one: read again and retry, as kubectl says)
    const replaceNode = (change: (n: Record<string, any>) => void) =>
      waitFor('a replace of w1 over its latest version', async () => {
        const node = JSON.parse(await k.ok('get', 'node', 'w1', '-o', 'json'));
        change(node);
        const r = await k.run(['replace', '-f', '-'], JSON.stringify(node));
        if (r.code !== 0 && !/Conflict/.test(r.stderr)) return r;
        return r.code === 0 ? r : null;
      });
    const cordoned = await replaceNode((n) => (n.spec.unschedulable = true));
    expect(cordoned).toMatchObject({ code: 0, stdout: 'node/w1 replaced\n' });
    expect((await t.http.get('/nodes/w1')).body.cordoned).toBe(true);
    const labelled = await replaceNode((n) => (n.metadata.labels.colour = 'blue'));
    expect(labelled.code).toBe(1);
    expect(labelled.stderr).toContain(
      'The Node "w1" is invalid: metadata.labels: Forbidden: kubesim changes only spec.unschedulable and spec.taints through this API',
    );
    await replaceNode((n) => delete n.spec.unschedulable);
    expect((await t.http.get('/nodes/w1')).body.cordoned).toBe(false);
  });

  it('errors are Status objects: kubectl prints them as from a real API server', async () => {
    const missing = await k.run(['get', 'pod', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
    const node = await k.run(['get', 'node', 'nope']);
    expect(node.stderr.trim()).toBe('Error from server (NotFound): nodes "nope" not found');
    const ns = await k.run(['get', 'namespace', 'nowhere']);
    expect(ns.stderr.trim()).toBe('Error from server (NotFound): namespaces "nowhere" not found');
    const other = await k.run(['patch', 'node', 'w1', '-p', '{"metadata":{"labels":{"a":"b"}}}']);
    expect(other.code).toBe(1);
    expect(other.stderr.trim()).toBe(
      'The Node "w1" is invalid: metadata.labels: Forbidden: kubesim changes only spec.unschedulable and spec.taints through this API',
    );
    expect((await t.http.get('/nodes/w1')).body.labels).toEqual({});
  });

  it('validation: unknown fields are refused (Strict) as kube-apiserver words it, bad quantities are Invalid', async () => {
    const unknown = await k.run(
      ['create', '-f', '-'],
      POD_YAML.replace('name: api', 'name: odd').replace('image:', 'colour: blue\n      image:'),
    );
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].colour"',
    );
    await t.http.get('/pods/odd').expect(404);

    const quantity = await k.run(
      ['create', '-f', '-'],
      POD_YAML.replace('name: api', 'name: q').replace('cpu: 250m', 'cpu: lots'),
    );
    expect(quantity.code).toBe(1);
    expect(quantity.stderr).toContain('The Pod "q" is invalid: ');
    expect(quantity.stderr).toContain(
      'spec.containers[0].resources.requests[cpu]: Invalid value: "lots"',
    );
    await t.http.get('/pods/q').expect(404);

    // a field kubesim cannot honour is refused, never silently dropped
    const affinity = await k.run(
      ['create', '-f', '-'],
      POD_YAML.replace('name: api', 'name: sel').replace(
        'spec:\n',
        'spec:\n  affinity: { podAffinity: {} }\n',
      ),
    );
    expect(affinity.stderr).toContain('spec.affinity.podAffinity: Unsupported value');
    await t.http.get('/pods/sel').expect(404);
  });

  it('a watch from a resourceVersion too old to replay gets 410 Expired, as from a compacted one', async () => {
    const old = Date.now() - 10 * 60_000;
    const res = await fetch(`${t.baseUrl}/api/v1/pods?watch=true&resourceVersion=${old}`);
    expect(res.status).toBe(200);
    const [line, ...rest] = (await res.text()).split('\n').filter(Boolean);
    expect(rest).toEqual([]);
    expect(JSON.parse(line)).toMatchObject({
      type: 'ERROR',
      object: { kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 },
    });
    expect(JSON.parse(line).object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    // a recent one (what a list just gave) is watched as before
    const { body: list } = await t.http.get('/api/v1/pods').expect(200);
    const fresh = await fetch(
      `${t.baseUrl}/api/v1/pods?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`,
    );
    expect(await fresh.text()).not.toContain('"ERROR"');
  });
});
