import { clientNode } from './setup/client-node';
import { kubectlSuite, row, rows } from './setup/kubectl-suite';
import { beat, healthyNode, pod, startTestApp, TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * The Kubernetes API driven by the real kubectl (and @kubernetes/client-node) against the
 * real server on PostgreSQL. Only stdout and stderr of kubectl are looked at, as a user would.
 */
const suite = kubectlSuite();

const POD_YAML = `
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

suite('the Kubernetes API through kubectl', () => {
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

  it('kubectl apply -f creates a pod through kubesim, requests in quantities, one row whichever door', async () => {
    const result = await k.run(['apply', '-f', '-'], POD_YAML);
    expect(result).toMatchObject({ code: 0, stdout: 'pod/api created\n' });

    const { body } = await t.http.get('/pods/api').expect(200);
    expect(body).toMatchObject({
      status: 'scheduled',
      node_name: 'w1',
      cpu_cores_req: 0.25,
      memory_mb_req: 64,
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 3600'] }],
    });
    const out = await k.ok('get', 'pods');
    expect(rows(out)[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(row(out, 'api')?.slice(0, 4)).toEqual(['api', '0/1', 'ContainerCreating', '0']);

    // the agent reports it running: kubectl sees it Running and ready
    await beat(t, w1.id, w1.token, {
      pod_ids: [body.id],
      pods: [{ id: body.id, status: 'running', containers: [{ name: 'main', status: 'running' }] }],
    });
    expect(row(await k.ok('get', 'pods'), 'api')?.slice(0, 4)).toEqual([
      'api',
      '1/1',
      'Running',
      '0',
    ]);
    const wide = rows(await k.ok('get', 'pods', '-o', 'wide'));
    expect(wide[0].slice(5, 7)).toEqual(['IP', 'NODE']);
    expect(wide.find((r) => r[0] === 'api')?.slice(5, 7)).toEqual([body.ip, 'w1']);
    expect(row(await k.ok('get', 'pods', '-A'), 'default')?.[1]).toBe('api');

    const object = JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json'));
    expect(object).toMatchObject({
      metadata: {
        name: 'api',
        namespace: 'default',
        uid: expect.any(String),
        resourceVersion: expect.stringMatching(/^\d+$/),
      },
      spec: {
        nodeName: 'w1',
        containers: [{ resources: { requests: { cpu: '250m', memory: '64Mi' } } }],
      },
      status: {
        phase: 'Running',
        podIP: body.ip,
        hostIP: expect.any(String),
        containerStatuses: [{ name: 'main', ready: true, restartCount: 0, state: { running: {} } }],
      },
    });
    expect(object.status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'PodScheduled', status: 'True' }),
        expect.objectContaining({ type: 'Ready', status: 'True' }),
      ]),
    );

    // and a pod made through kubesim's REST API is a pod for kubectl too
    await t.http.post('/pods').send(pod('rest-made', 0.5)).expect(201);
    expect(row(await k.ok('get', 'pods'), 'rest-made')?.[2]).toBe('ContainerCreating');
  });

  it('--dry-run=server rehearses what kubesim can rehearse and changes nothing anywhere', async () => {
    // a pod creation: every check, nothing stored
    expect(await k.ok('run', 'rehearsed', '--image=nginx:1.27', '--dry-run=server')).toBe(
      'pod/rehearsed created (server dry run)\n',
    );
    await t.http.get('/pods/rehearsed').expect(404);
    const over = await k.run(
      ['apply', '--dry-run=server', '-f', '-'],
      POD_YAML.replace('name: api', 'name: over').replace(
        'requests: { cpu: 250m, memory: 64Mi }',
        'requests: { cpu: "1" }\n        limits: { cpu: 500m }',
      ),
    );
    expect(over.code).toBe(1);
    expect(over.stderr).toContain('must be less than or equal to cpu limit of 500m');
    // a Deployment's creation is rehearsed too
    expect(
      await k.ok('create', 'deployment', 'rehearsal', '--image=nginx:1.27', '--dry-run=server'),
    ).toBe('deployment.apps/rehearsal created (server dry run)\n');
    await t.http.get('/apis/apps/v1/namespaces/default/deployments/rehearsal').expect(404);
    // what kubesim cannot rehearse yet is refused before it acts: the pod stays, unlabelled
    const { body: before } = await t.http.get('/pods/api').expect(200);
    const deleted = await k.run(['delete', 'pod', 'api', '--dry-run=server']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toMatch(
      /BadRequest.*does not yet rehearse this request.*nothing was changed/,
    );
    const labelled = await k.run(['label', 'pod', 'api', 'rehearsed=yes', '--dry-run=server']);
    expect(labelled.code).toBe(1);
    const drained = await k.run(['drain', 'w1', '--dry-run=server', '--force']);
    expect(drained.stderr).not.toMatch(/evicted/);
    const { body: after } = await t.http.get('/pods/api').expect(200);
    expect(after.labels).toEqual(before.labels);
    expect(after.id).toBe(before.id);
    // drain's first step is a cordon (a node patch): refused as well, the node stays schedulable
    const { body: node } = await t.http.get('/nodes/w1').expect(200);
    expect(node.cordoned).toBe(false);
    // and a dryRun value other than All is a bad request
    const odd = await fetch(`${t.baseUrl}/api/v1/namespaces/default/pods?dryRun=Some`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(odd.status).toBe(400);
    expect((await odd.json()).message).toBe(
      'dryRun: Unsupported value: "Some": supported values: "All"',
    );
  });

  it('kubectl run makes a pod, kubectl describe shows it; a second create of the name is AlreadyExists', async () => {
    expect(await k.ok('run', 'web', '--image=nginx:1.27')).toBe('pod/web created\n');
    const { body } = await t.http.get('/pods/web').expect(200);
    // no request in the manifest: kubesim reserves its smallest unit
    expect(body.cpu_cores_req).toBe(0.001);
    // kubectl describe reads it as a real cluster's pod: no requests, so BestEffort
    const described = await k.ok('describe', 'pod', 'web');
    expect(described).toMatch(/^Name:\s+web$/m);
    expect(described).toMatch(/^Node:\s+w1\//m);
    expect(described).toMatch(/^QoS Class:\s+BestEffort$/m);
    expect(described).not.toMatch(/Requests:/);
    expect(described).toMatch(
      /Scheduled\s+\S+\s+kubesim-scheduler\s+Successfully assigned web to w1/,
    );
    const api = await k.ok('describe', 'pod', 'api');
    expect(api).toMatch(/Requests:\s+cpu:\s+250m\s+memory:\s+64Mi/);
    expect(api).toMatch(/^QoS Class:\s+Burstable$/m);
    expect(api).toMatch(/^Status:\s+Running$/m);

    // limits equal to the requests: Guaranteed, the limits kept and shown
    const guaranteed = await k.run(
      ['apply', '-f', '-'],
      POD_YAML.replace('name: api', 'name: sure').replace(
        'requests: { cpu: 250m, memory: 64Mi }',
        'limits: { cpu: 250m, memory: 64Mi }',
      ),
    );
    expect(guaranteed.stderr).toBe('');
    const sure = await k.ok('describe', 'pod', 'sure');
    expect(sure).toMatch(
      /Limits:\s+cpu:\s+250m\s+memory:\s+64Mi\s+Requests:\s+cpu:\s+250m\s+memory:\s+64Mi/,
    );
    expect(sure).toMatch(/^QoS Class:\s+Guaranteed$/m);
    const { body: rest } = await t.http.get('/pods/sure').expect(200);
    expect(rest.containers[0]).toMatchObject({ cpu_req: 0.25, cpu_limit: 0.25, memory_limit: 64 });
    // a request over its limit is refused as kube-apiserver words it, storing nothing
    const over = await k.run(
      ['apply', '-f', '-'],
      POD_YAML.replace('name: api', 'name: over').replace(
        'requests: { cpu: 250m, memory: 64Mi }',
        'requests: { cpu: "1" }\n        limits: { cpu: 500m }',
      ),
    );
    expect(over.code).toBe(1);
    expect(over.stderr).toContain(
      'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m',
    );
    await t.http.get('/pods/over').expect(404);
    await k.ok('delete', 'pod', 'sure', '--wait=false');

    const again = await k.run(['run', 'web', '--image=nginx:1.27']);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      'Error from server (AlreadyExists): pods "web" already exists',
    );
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

  it('a pod that fits nowhere is Pending with PodScheduled False, reason Unschedulable', async () => {
    await k.run(
      ['apply', '-f', '-'],
      POD_YAML.replace('name: api', 'name: huge').replace('cpu: 250m', 'cpu: "64"'),
    );
    expect(row(await k.ok('get', 'pods'), 'huge')?.slice(0, 3)).toEqual(['huge', '0/1', 'Pending']);
    const object = JSON.parse(await k.ok('get', 'pod', 'huge', '-o', 'json'));
    expect(object.status.phase).toBe('Pending');
    expect(object.status.conditions[0]).toMatchObject({
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
    });
    expect(object.status.conditions[0].message).toMatch(/0\/\d+ nodes/);
  });

  it('labels and annotations: kubectl label, apply again, label selectors', async () => {
    expect(await k.ok('label', 'pod', 'api', 'tier=backend')).toBe('pod/api labeled\n');
    const labels = row(await k.ok('get', 'pod', 'api', '--show-labels'), 'api');
    expect(labels?.[labels.length - 1]).toBe('app=api,tier=backend');
    expect(
      rows(await k.ok('get', 'pods', '-l', 'run=web'))
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(['web']);
    expect(
      rows(await k.ok('get', 'pods', '-l', 'app in (api,db),tier'))
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(['api']);

    // apply of the same manifest again: kubectl finds its last-applied annotation, nothing to do
    const again = await k.run(['apply', '-f', '-'], POD_YAML);
    expect(again).toMatchObject({ stderr: '', code: 0, stdout: 'pod/api unchanged\n' });
    // a changed spec is refused as kube-apiserver refuses most pod updates
    const changed = await k.run(
      ['apply', '-f', '-'],
      POD_YAML.replace('busybox:1.36', 'busybox:1.37'),
    );
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain(
      'The Pod "api" is invalid: spec: Forbidden: kubesim changes only metadata.labels and metadata.annotations of a pod',
    );
    expect((await t.http.get('/pods/api')).body.containers[0].image).toBe('busybox:1.36');
    expect(await k.ok('label', 'pod', 'api', 'tier-')).toBe('pod/api unlabeled\n');
    expect(JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json')).metadata.labels).toEqual({
      app: 'api',
    });

    // kubectl replace: the labels of the object sent, over the version it was read at
    type Served = {
      metadata: { labels: Record<string, string> };
      spec: { containers: Array<{ image: string }> };
    };
    let served = {} as Served;
    const replaced = await waitFor('a replace over the latest version', async () => {
      served = JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json'));
      served.metadata.labels.tier = 'front';
      const r = await k.run(['replace', '-f', '-'], JSON.stringify(served));
      if (r.code !== 0 && !/Conflict/.test(r.stderr)) throw new Error(r.stderr);
      return r.code === 0 ? r : null;
    });
    expect(replaced.stdout).toBe('pod/api replaced\n');
    expect(JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json')).metadata.labels).toEqual({
      app: 'api',
      tier: 'front',
    });
    // what was read before that replace is stale now
    const stale = await k.run(['replace', '-f', '-'], JSON.stringify(served));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/Conflict.*the object has been modified/);
    // and a new image is refused, as a patch of it is
    const fresh: Served = JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json'));
    fresh.spec.containers[0].image = 'busybox:1.37';
    const respec = await k.run(['replace', '-f', '-'], JSON.stringify(fresh));
    expect(respec.code).toBe(1);
    expect(respec.stderr).toContain(
      'The Pod "api" is invalid: spec: Forbidden: kubesim changes only metadata.labels and metadata.annotations of a pod',
    );
    expect(await k.ok('label', 'pod', 'api', 'tier-')).toBe('pod/api unlabeled\n');
  });

  it('kubectl describe node shows conditions, capacity, its pods and its events', async () => {
    const out = await k.ok('describe', 'node', 'w1');
    expect(out).toMatch(/^Name:\s+w1$/m);
    expect(out).toMatch(/^\s+Ready\s+True\s/m);
    expect(out).toMatch(/^Capacity:\n\s+cpu:\s+4\n\s+memory:\s+8Gi/m);
    expect(out).toMatch(/^\s+default\s+api\s+250m \(6%\)/m);
    expect(out).toMatch(
      /^Events:[\s\S]*RegisteredNode\s+\S+\s+kubesim-node-controller\s+Node w1 registered/m,
    );
  });

  it('field and label selectors as kubectl sends them', async () => {
    const names = async (...args: string[]) =>
      rows(await k.ok('get', 'pods', ...args))
        .slice(1)
        .map((r) => r[0])
        .sort();
    expect(await names('--field-selector', 'spec.nodeName=w1')).toEqual([
      'api',
      'rest-made',
      'web',
    ]);
    expect(await names('--field-selector', 'status.phase=Running')).toEqual(['api']);
    expect(await names('--field-selector', 'status.phase!=Running,metadata.name!=huge')).toEqual([
      'rest-made',
      'web',
    ]);
    expect(await names('--field-selector', 'status.phase=Pending', '-l', 'app')).toEqual(['huge']);
    expect(await names('--field-selector', 'status.phase=Pending', '-l', '!app')).toEqual([
      'rest-made',
      'web',
    ]);
    const bad = await k.run(['get', 'pods', '--field-selector', 'spec.colour=blue']);
    expect(bad.stderr).toMatch(
      /^Error from server \(BadRequest\): .*field label not supported: spec\.colour$/m,
    );
    expect(
      rows(await k.ok('get', 'nodes', '-l', 'node-role.kubernetes.io/control-plane'))
        .slice(1)
        .map((r) => r[0]),
    ).toEqual(['m1']);
  });

  it('pages a list as kubectl --chunk-size asks: every pod once, the header once', async () => {
    const listed = async (...args: string[]) => {
      const out = await k.ok('get', 'pods', ...args);
      expect(out.match(/^NAME\s+READY/gm)).toHaveLength(1);
      return rows(out)
        .slice(1)
        .map((r) => r[0])
        .sort();
    };
    const all = await listed('--chunk-size=0');
    expect(all.length).toBeGreaterThan(2);
    expect(await listed('--chunk-size=2')).toEqual(all);
    const { body: first } = await t.http.get('/api/v1/namespaces/default/pods?limit=2').expect(200);
    expect(first.items).toHaveLength(2);
    expect(first.metadata).toMatchObject({
      continue: expect.any(String),
      remainingItemCount: all.length - 2,
    });
    const { body: rest } = await t.http
      .get(
        `/api/v1/namespaces/default/pods?continue=${encodeURIComponent(first.metadata.continue)}`,
      )
      .expect(200);
    expect(rest.metadata.continue).toBeUndefined();
    expect(
      [...first.items, ...rest.items]
        .map((p: { metadata: { name: string } }) => p.metadata.name)
        .sort(),
    ).toEqual(all);
    const bad = await t.http.get('/api/v1/pods?continue=bogus').expect(400);
    expect(bad.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
  });

  it('kubectl get -w streams changes as they happen', async () => {
    const pods = k.watch('get', 'pods', '-w');
    const nodes = k.watch('get', 'nodes', '-w');
    await waitFor(
      'the watches to list',
      async () => pods.output().includes('api') && nodes.output().includes('w1'),
    );
    await t.http.post('/pods').send(pod('watched', 0.25)).expect(201);
    await waitFor('the new pod in the watch', async () =>
      /^watched\s+0\/1\s+ContainerCreating/m.test(pods.output()),
    );
    await k.ok('cordon', 'w2');
    await waitFor('the cordon in the node watch', async () =>
      /^w2\s+NotReady,SchedulingDisabled/m.test(nodes.output()),
    );
    // the header once, then a line per change
    expect(pods.output().match(/^NAME\s+READY/gm)).toHaveLength(1);
    expect(pods.output().match(/^watched\s/gm)).toHaveLength(1);
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

  it('kubectl delete pod removes it from kubesim', async () => {
    expect(await k.ok('delete', 'pod', 'watched')).toBe('pod "watched" deleted\n');
    await t.http.get('/pods/watched').expect(404);
    expect(row(await k.ok('get', 'pods'), 'watched')).toBeUndefined();
    const again = await k.run(['delete', 'pod', 'watched']);
    expect(again.stderr.trim()).toBe('Error from server (NotFound): pods "watched" not found');
  });

  it('namespaces: the four of every cluster exist and cannot be deleted; missing ones are 404', async () => {
    const out = await k.ok('get', 'namespaces');
    expect(rows(out)[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      expect(row(out, ns)?.[1]).toBe('Active');
    const empty = await k.run(['get', 'pods', '-n', 'kube-system']);
    expect(empty.stderr.trim()).toBe('No resources found in kube-system namespace.');
    const forbidden = await k.run(['delete', 'namespace', 'default']);
    expect(forbidden.stderr.trim()).toBe(
      'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted',
    );
    const system = await k.run(['delete', 'ns', 'kube-system']);
    expect(system.stderr).toContain('namespaces "kube-system" is forbidden');
    const missing = await k.run(['run', 'x', '--image=nginx', '-n', 'nowhere']);
    expect(missing.stderr.trim()).toBe(
      'Error from server (NotFound): namespaces "nowhere" not found',
    );
    const gone = await k.run(['delete', 'ns', 'nowhere']);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): namespaces "nowhere" not found');
    const bad = await k.run(['create', 'namespace', 'Bad_Name']);
    expect(bad.code).not.toBe(0);
    expect(row(await k.ok('get', 'ns'), 'default')).toBeDefined();
  });

  it('a namespace of your own: pods named as in default, -n and -A, deletion takes its pods', async () => {
    expect(await k.ok('create', 'namespace', 'team-a')).toBe('namespace/team-a created\n');
    const again = await k.run(['create', 'namespace', 'team-a']);
    expect(again.stderr.trim()).toBe(
      'Error from server (AlreadyExists): namespaces "team-a" already exists',
    );
    expect(await k.ok('get', 'ns', 'team-a', '-o', 'jsonpath={.status.phase}')).toBe('Active');
    const yaml = await k.ok('get', 'ns', 'team-a', '-o', 'yaml');
    expect(yaml).toContain('kubernetes.io/metadata.name: team-a');
    expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);

    // the same name in default and in team-a: two pods, two rows in kubesim
    await k.ok('run', 'twin', '--image=busybox:1.36', '-n', 'team-a');
    await k.ok('run', 'twin', '--image=busybox:1.36');
    const inTeam = rows(await k.ok('get', 'pods', '-n', 'team-a'));
    expect(inTeam.map((r) => r[0])).toEqual(['NAME', 'twin']);
    const all = rows(await k.ok('get', 'pods', '-A'));
    expect(all[0].slice(0, 2)).toEqual(['NAMESPACE', 'NAME']);
    expect(
      all
        .filter((r) => r[1] === 'twin')
        .map((r) => r[0])
        .sort(),
    ).toEqual(['default', 'team-a']);
    const rest = (await t.http.get('/pods?namespace=team-a').expect(200)).body;
    expect(rest.map((p: { name: string; namespace: string }) => [p.namespace, p.name])).toEqual([
      ['team-a', 'twin'],
    ]);
    const bare = (await t.http.get('/pods/twin').expect(200)).body;
    expect(bare.namespace).toBe('default');
    const other = (await t.http.get('/pods/twin?namespace=team-a').expect(200)).body;
    expect(other.namespace).toBe('team-a');
    expect(other.id).not.toBe(bare.id);

    // events are in their pod's namespace
    await waitFor('the Scheduled event in team-a', async () => {
      const ev = rows(await k.ok('get', 'events', '-n', 'team-a'));
      return ev.some((r) => r[2] === 'Scheduled' && r[3] === 'pod/twin');
    });
    const teamEvents = (await t.http.get('/events?namespace=team-a').expect(200)).body;
    expect(teamEvents.length).toBeGreaterThan(0);
    expect(teamEvents.every((e: { namespace: string }) => e.namespace === 'team-a')).toBe(true);

    // labels and selectors on namespaces; apply of a Namespace manifest
    await k.ok('label', 'ns', 'team-a', 'tier=dev');
    expect(rows(await k.ok('get', 'ns', '-l', 'tier=dev')).map((r) => r[0])).toEqual([
      'NAME',
      'team-a',
    ]);
    // kubectl replace of a namespace: its labels from the whole object
    const ns = JSON.parse(await k.ok('get', 'ns', 'team-a', '-o', 'json'));
    ns.metadata.labels.owner = 'alice';
    const replacedNs = await k.run(['replace', '-f', '-'], JSON.stringify(ns));
    expect(replacedNs).toMatchObject({ code: 0, stdout: 'namespace/team-a replaced\n' });
    expect(JSON.parse(await k.ok('get', 'ns', 'team-a', '-o', 'json')).metadata.labels).toEqual({
      'kubernetes.io/metadata.name': 'team-a',
      tier: 'dev',
      owner: 'alice',
    });
    const applied = await k.run(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n  labels: { tier: prod }\n',
    );
    expect(applied.stdout).toBe('namespace/team-b created\n');
    expect(await k.ok('get', 'ns', '-l', 'tier=prod', '-o', 'name')).toBe('namespace/team-b\n');

    // deletion: Terminating, the pods go (with their events), then the namespace; new pods refused
    const watch = k.watch('get', 'ns', 'team-a', '-w', '--no-headers');
    await waitFor('the watch', async () => watch.output().includes('team-a'));
    const del = await k.run(['delete', 'ns', 'team-a']);
    expect(del.stdout).toBe('namespace "team-a" deleted\n');
    expect(del.code).toBe(0);
    const after = await k.run(['get', 'ns', 'team-a']);
    expect(after.stderr.trim()).toBe('Error from server (NotFound): namespaces "team-a" not found');
    expect(
      rows(await k.ok('get', 'pods', '-A'))
        .filter((r) => r[1] === 'twin')
        .map((r) => r[0]),
    ).toEqual(['default']);
    await t.http.get('/pods/twin?namespace=team-a').expect(404);
    await t.http.get('/pods/twin').expect(200);
    await waitFor('Terminating in the watch', async () =>
      /team-a\s+Terminating/.test(watch.output()),
    );
    const killing = (await t.http.get('/events?namespace=team-a&reason=Killing').expect(200)).body;
    expect(killing.map((e: { object: string }) => e.object)).toEqual(['pod/twin']);
  });

  it('a Terminating namespace takes no new pods (403); REST pod creation checks the namespace', async () => {
    await k.ok('create', 'namespace', 'slow');
    // a pod the deletion has to take (kubesim deletes fast: the race is made, not waited for)
    await t.http
      .post('/pods')
      .send({ ...pod('in-slow', 0.1), namespace: 'slow' })
      .expect(201);
    const created = (await t.http.get('/pods/in-slow?namespace=slow').expect(200)).body;
    expect(created.namespace).toBe('slow');
    const missing = await t.http
      .post('/pods')
      .send({ ...pod('lost', 0.1), namespace: 'nowhere' })
      .expect(404);
    expect(missing.body.message).toBe('namespace "nowhere" not found');
    const badNs = await t.http.post('/pods').send({ ...pod('lost', 0.1), namespace: 'No!' });
    expect(badNs.status).toBe(400);
    await t.sql(
      `UPDATE namespaces SET status = 'Terminating', deleted_at = now() WHERE name = 'slow'`,
    );
    const refused = await k.run(['run', 'late', '--image=nginx', '-n', 'slow']);
    expect(refused.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "late" is forbidden: unable to create new content in namespace slow because it is being terminated',
    );
    const restRefused = await t.http
      .post('/pods')
      .send({ ...pod('late', 0.1), namespace: 'slow' })
      .expect(403);
    expect(restRefused.body.message).toBe(
      'unable to create new content in namespace slow because it is being terminated',
    );
    expect(await k.ok('get', 'ns', 'slow', '-o', 'jsonpath={.status.phase}')).toBe('Terminating');
    // deleting again carries the deletion through
    await k.ok('delete', 'ns', 'slow');
    await t.http.get('/pods/in-slow?namespace=slow').expect(404);
  });

  it('kubectl get events shows kubesim events as v1.Event, filtered by involvedObject', async () => {
    const out = await k.ok('get', 'events');
    expect(rows(out)[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(rows(out)).toEqual(
      expect.arrayContaining([
        [expect.any(String), 'Normal', 'Scheduled', 'pod/api', 'Successfully assigned api to w1'],
        [
          expect.any(String),
          'Normal',
          'RegisteredNode',
          'node/w1',
          expect.stringContaining('Node w1 registered'),
        ],
        [
          expect.any(String),
          'Warning',
          'FailedScheduling',
          'pod/huge',
          expect.stringMatching(/^0\/\d+ nodes/),
        ],
      ]),
    );
    const forApi = rows(
      await k.ok(
        'get',
        'events',
        '--field-selector',
        'involvedObject.name=api,involvedObject.kind=Pod',
      ),
    );
    expect(forApi.slice(1).map((r) => r[3])).toEqual(expect.arrayContaining(['pod/api']));
    expect(new Set(forApi.slice(1).map((r) => r[3]))).toEqual(new Set(['pod/api']));
    expect(forApi.slice(1).map((r) => r[2])).toContain('Scheduled');
  });

  it('@kubernetes/client-node lists nodes and pods and reads a 404 as a Status', async () => {
    // the library is an ES module: it runs in its own Node process, as a user's program would
    const script = `
      import * as k8s from '@kubernetes/client-node';
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(${JSON.stringify(k.kubeconfig)});
      const core = kc.makeApiClient(k8s.CoreV1Api);
      const nodes = await core.listNode();
      const pods = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=api' });
      let missing;
      try { await core.readNamespacedPod({ name: 'nope', namespace: 'default' }); }
      catch (err) { missing = { code: err.code, body: JSON.parse(err.body) }; }
      console.log(JSON.stringify({
        nodes: nodes.items.map((n) => [n.metadata.name, n.status.capacity.cpu, n.status.conditions[0].status]),
        pods: pods.items.map((p) => [p.metadata.name, p.status.phase, p.spec.containers[0].resources.requests.cpu]),
        missing,
      }));`;
    const result = JSON.parse(await clientNode(script));
    expect(result.nodes).toEqual(
      expect.arrayContaining([
        ['w1', '4', 'True'],
        ['w2', '2', 'Unknown'],
      ]),
    );
    expect(result.pods).toEqual([['api', 'Running', '250m']]);
    expect(result.missing).toEqual({
      code: 404,
      body: expect.objectContaining({
        kind: 'Status',
        reason: 'NotFound',
        message: 'pods "nope" not found',
        code: 404,
      }),
    });
  });
});
