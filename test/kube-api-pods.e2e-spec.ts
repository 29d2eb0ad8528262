import { clientNode } from './setup/client-node';
import { kubectlSuite, row, rows } from './setup/kubectl-suite';
import { kubectlCluster, POD_YAML } from './setup/kubectl-cluster';
import { beat, pod, TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * Pods through the real kubectl (and @kubernetes/client-node) against the real server on
 * PostgreSQL, one story in order: created, rehearsed, described, labelled, selected, paged,
 * watched, deleted, and their events. Only stdout and stderr of kubectl are looked at, as a
 * user would.
 */
const suite = kubectlSuite();

suite('the Kubernetes API through kubectl', () => {
  const cluster = kubectlCluster();
  let t: TestApp;
  let k: Kubectl;
  let w1: { id: number; token: string };
  beforeAll(() => ({ t, k, w1 } = cluster));

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

  it("a container's change alone is its pod's: a new resourceVersion, in every list and watch", async () => {
    const { body } = await t.http.get('/pods/api').expect(200);
    const before = JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json'));
    expect(before.status.containerStatuses[0].restartCount).toBe(0);
    // each list has made its answer of this version of the pod
    expect(row(await k.ok('get', 'pods'), 'api')?.[3]).toBe('0');
    const listed = (await t.http.get('/pods').expect(200)).body as Array<{
      name: string;
      containers: Array<{ restart_count: number }>;
    }>;
    expect(listed.find((p) => p.name === 'api')?.containers[0].restart_count).toBe(0);
    const watch = fetch(
      `${t.baseUrl}/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=3&fieldSelector=metadata.name%3Dapi`,
    ).then((res) => res.text());
    await new Promise((r) => setTimeout(r, 300));

    // the agent says the container restarted twice; the pod itself stays running
    await beat(t, w1.id, w1.token, {
      pod_ids: [body.id],
      pods: [
        {
          id: body.id,
          status: 'running',
          containers: [{ name: 'main', status: 'running', restart_count: 2 }],
        },
      ],
    });
    expect(row(await k.ok('get', 'pods'), 'api')?.[3]).toBe('2');
    const after = (await t.http.get('/pods').expect(200)).body as typeof listed;
    expect(after.find((p) => p.name === 'api')?.containers[0].restart_count).toBe(2);
    const object = JSON.parse(await k.ok('get', 'pod', 'api', '-o', 'json'));
    expect(Number(object.metadata.resourceVersion)).toBeGreaterThan(
      Number(before.metadata.resourceVersion),
    );
    const events = (await watch)
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            object: { status: { containerStatuses: Array<{ restartCount: number }> } };
          },
      );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED']);
    expect(events[1].object.status.containerStatuses[0].restartCount).toBe(2);
  });

  it('kubectl delete pod removes it from kubesim', async () => {
    expect(await k.ok('delete', 'pod', 'watched')).toBe('pod "watched" deleted\n');
    await t.http.get('/pods/watched').expect(404);
    expect(row(await k.ok('get', 'pods'), 'watched')).toBeUndefined();
    const again = await k.run(['delete', 'pod', 'watched']);
    expect(again.stderr.trim()).toBe('Error from server (NotFound): pods "watched" not found');
  });

  it('watches of one list share its reads, and each still gets every change of its own list', async () => {
    const open = (query: string) =>
      fetch(`${t.baseUrl}/api/v1/namespaces/default/pods?watch=true&timeoutSeconds=3${query}`).then(
        (res) => {
          expect(res.status).toBe(200);
          return res.text();
        },
      );
    const streams = [open(''), open(''), open('&labelSelector=app%3Dnobody')];
    const kubectl = k.watch('get', 'pods', '-w');
    await new Promise((r) => setTimeout(r, 300));
    await t.http.post('/pods').send(pod('shared-watch', 0.1)).expect(201);
    await waitFor('the new pod in the kubectl watch', async () =>
      /^shared-watch\s/m.test(kubectl.output()),
    );
    await t.http.delete('/pods/shared-watch').expect(200);
    const [a, b, none] = await Promise.all(streams);
    const lines = (text: string) =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { type: string; object: { metadata: { name: string } } })
        .filter((e) => e.object.metadata.name === 'shared-watch')
        .map((e) => e.type);
    expect(lines(a)[0]).toBe('ADDED');
    expect(lines(a).at(-1)).toBe('DELETED');
    // the same read gives both the same events, byte for byte
    expect(b).toBe(a);
    expect(lines(none)).toEqual([]);
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
