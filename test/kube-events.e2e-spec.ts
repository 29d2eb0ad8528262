import { clientNode } from './setup/client-node';
import { addHealthyNodes, startProcessCluster } from './setup/cluster';
import { Kubectl } from './setup/kubectl';
import { TestApp, waitFor } from './setup/test-app';

/**
 * events.k8s.io/v1 through the real kubectl and @kubernetes/client-node, against the real
 * server with real agents (the process runtime): the events core/v1 serves, in that group's
 * view, one object behind both.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

/** kubectl's table, one array of cells a line (columns are two spaces apart or more). */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.trim().length)
    .map((l) => l.trim().split(/\s{2,}/));
}

interface EventJson {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string };
  [field: string]: unknown;
}

suite('events.k8s.io/v1 through kubectl', () => {
  let t: TestApp;
  let k: Kubectl;

  /** The Scheduled event of a pod, through the group's view. */
  const scheduledOf = async (pod: string) => {
    const list = JSON.parse(
      await k.ok(
        'get',
        'events.events.k8s.io',
        '--field-selector',
        `regarding.name=${pod}`,
        '-o',
        'json',
      ),
    ) as { items: EventJson[] };
    return list.items.find((e) => e.reason === 'Scheduled');
  };

  beforeAll(async () => {
    t = await startProcessCluster();
    k = new Kubectl();
    await k.configure(t.baseUrl);
    await addHealthyNodes(t, [{ name: 'ev-1', cpu_cores: 2 }]);
    await k.ok('run', 'web', '--image=busybox', '--', 'sleep', '3600');
    await waitFor('the Scheduled event of web', () => scheduledOf('web'), 30000);
  }, 90000);
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  it('kubectl api-resources lists events in events.k8s.io/v1 beside the core ones', async () => {
    expect(await k.ok('api-resources', '--api-group=events.k8s.io')).toMatch(
      /^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m,
    );
    const all = await k.ok('api-resources');
    expect(all).toMatch(/^events\s+ev\s+v1\s+true\s+Event$/m);
    expect(all).toMatch(/^events\s+ev\s+events\.k8s\.io\/v1\s+true\s+Event$/m);
    // the group's verbs say it is a read-only view
    const { body } = await t.http.get('/apis/events.k8s.io/v1').expect(200);
    expect(body).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'events.k8s.io/v1',
      resources: [{ name: 'events', verbs: ['get', 'list', 'watch'], shortNames: ['ev'] }],
    });
    expect(
      (await t.http.get('/apis').expect(200)).body.groups.find(
        (g: { name: string }) => g.name === 'events.k8s.io',
      ),
    ).toEqual({
      name: 'events.k8s.io',
      versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' },
    });
  });

  it("kubectl get events.v1.events.k8s.io prints kube-apiserver's event columns", async () => {
    const table = rows(await k.ok('get', 'events.v1.events.k8s.io'));
    expect(table[0]).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(table).toEqual(
      expect.arrayContaining([
        [
          expect.stringMatching(/^\d+s$/),
          'Normal',
          'Scheduled',
          'pod/web',
          'Successfully assigned web to ev-1',
        ],
        [
          expect.any(String),
          'Normal',
          'RegisteredNode',
          'node/ev-1',
          expect.stringContaining('ev-1'),
        ],
      ]),
    );
    // -o wide: the wide columns of the same printer
    const wide = rows(await k.ok('get', 'events.events.k8s.io', '-o', 'wide'));
    expect(wide[0]).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME',
    ]);
  });

  it('-o json: regarding, note, eventTime in microseconds, reportingController, the deprecated core fields', async () => {
    const event = await scheduledOf('web');
    expect(event).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { namespace: 'default', name: expect.stringMatching(/^web\.[0-9a-f]{16}$/) },
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      reportingController: 'kubesim-scheduler',
      reportingInstance: 'kubesim',
      action: 'Binding',
      reason: 'Scheduled',
      regarding: { kind: 'Pod', name: 'web', namespace: 'default', apiVersion: 'v1' },
      note: 'Successfully assigned web to ev-1',
      type: 'Normal',
      deprecatedSource: { component: 'kubesim-scheduler' },
      deprecatedFirstTimestamp: expect.stringMatching(/Z$/),
      deprecatedLastTimestamp: expect.stringMatching(/Z$/),
      deprecatedCount: 1,
    });
    // one object, two views: core/v1 shows the same name, uid and resourceVersion
    const name = event!.metadata.name;
    const core = JSON.parse(await k.ok('get', 'event', name, '-o', 'json')) as EventJson;
    expect(core.apiVersion).toBe('v1');
    expect(core.metadata).toEqual(event!.metadata);
    expect(core).toMatchObject({
      involvedObject: event!.regarding as object,
      message: event!.note as string,
      reportingComponent: 'kubesim-scheduler',
      eventTime: event!.eventTime as string,
    });
    // and a get by name in this group answers the same object
    expect(JSON.parse(await k.ok('get', 'events.events.k8s.io', name, '-o', 'json'))).toEqual(
      event,
    );
  });

  it("field selectors in this group's labels: regarding.*, reason, type; involvedObject.* refused", async () => {
    const forWeb = rows(
      await k.ok(
        'get',
        'events.events.k8s.io',
        '--field-selector',
        'regarding.name=web,regarding.kind=Pod',
      ),
    );
    expect(forWeb.length).toBeGreaterThan(1);
    expect(new Set(forWeb.slice(1).map((r) => r[3]))).toEqual(new Set(['pod/web']));
    const nodes = rows(
      await k.ok(
        'get',
        'events.events.k8s.io',
        '--field-selector',
        'regarding.kind=Node,reason=RegisteredNode',
      ),
    );
    expect(nodes.slice(1).map((r) => [r[2], r[3]])).toEqual([['RegisteredNode', 'node/ev-1']]);
    const byController = JSON.parse(
      await k.ok(
        'get',
        'events.events.k8s.io',
        '--field-selector',
        'reportingController=kubesim-scheduler,type=Normal',
        '-o',
        'json',
      ),
    ) as { items: EventJson[] };
    expect(byController.items.length).toBeGreaterThan(0);
    expect(new Set(byController.items.map((e) => e.reportingController))).toEqual(
      new Set(['kubesim-scheduler']),
    );
    // kube-apiserver takes the core labels only on /api/v1
    const refused = await k.run([
      'get',
      'events.events.k8s.io',
      '--field-selector',
      'involvedObject.name=web',
    ]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('field label not supported: involvedObject.name');
    expect(await k.ok('get', 'events', '--field-selector', 'involvedObject.name=web')).toContain(
      'pod/web',
    );
  });

  it('kubectl get events.events.k8s.io -w prints a new event as it happens', async () => {
    const watch = k.watch('get', 'events.events.k8s.io', '-w');
    await waitFor('the watch to list what is there', async () =>
      watch.output().includes('pod/web'),
    );
    await k.ok('run', 'late', '--image=busybox', '--', 'sleep', '3600');
    await waitFor(
      'the Scheduled event of late on the watch',
      async () =>
        /Normal\s+Scheduled\s+pod\/late\s+Successfully assigned late to ev-1/.test(watch.output()),
      30000,
    );
    // an event is sent once: the one line of late's Scheduled event
    expect(watch.output().match(/Scheduled\s+pod\/late/g)).toHaveLength(1);
  }, 60000);

  it("a missing event is NotFound in the group's words; writes are MethodNotAllowed", async () => {
    const missing = await k.run(['get', 'events.events.k8s.io', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(
      'Error from server (NotFound): events.events.k8s.io "nope" not found',
    );
    const name = (await scheduledOf('web'))!.metadata.name;
    const deleted = await k.run(['delete', 'events.events.k8s.io', name]);
    expect(deleted.code).not.toBe(0);
    expect(deleted.stderr).toContain('(MethodNotAllowed)');
    const created = await t.http
      .post('/apis/events.k8s.io/v1/namespaces/default/events')
      .send({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x' } })
      .expect(405);
    expect(created.body).toMatchObject({ kind: 'Status', reason: 'MethodNotAllowed', code: 405 });
    // the event is still there, in both groups
    await k.ok('get', 'events.events.k8s.io', name);
    await k.ok('get', 'event', name);
    await t.http.get('/apis/events.k8s.io/v2/events').expect(404);
  });

  it('@kubernetes/client-node: EventsV1Api lists, selects and reads them, and reads a 404 as a Status', async () => {
    const script = `
      import * as k8s from '@kubernetes/client-node';
      const kc = new k8s.KubeConfig();
      kc.loadFromFile(${JSON.stringify(k.kubeconfig)});
      const events = kc.makeApiClient(k8s.EventsV1Api);
      const list = await events.listNamespacedEvent({ namespace: 'default', fieldSelector: 'regarding.name=web' });
      const all = await events.listEventForAllNamespaces({ fieldSelector: 'reason=RegisteredNode' });
      const first = list.items.find((e) => e.reason === 'Scheduled');
      const one = await events.readNamespacedEvent({ name: first.metadata.name, namespace: 'default' });
      let missing;
      try { await events.readNamespacedEvent({ name: 'nope', namespace: 'default' }); }
      catch (err) { missing = { code: err.code, body: JSON.parse(err.body) }; }
      console.log(JSON.stringify({
        kind: list.kind,
        apiVersion: list.apiVersion,
        regarding: [...new Set(list.items.map((e) => e.regarding.kind + '/' + e.regarding.name))],
        // the library keeps eventTime (a MicroTime) as the wire's text; the first timestamp is a Date
        scheduled: [first.note, first.reportingController, first.action, first.eventTime,
          new Date(first.eventTime) - first.deprecatedFirstTimestamp],
        nodes: all.items.map((e) => [e.regarding.name, e.metadata.namespace]),
        same: one.metadata.uid === first.metadata.uid && one.metadata.resourceVersion === first.metadata.resourceVersion,
        missing,
      }));`;
    const result = JSON.parse(await clientNode(script));
    // the same moment, to the second the deprecated timestamp keeps
    expect(result.scheduled[4]).toBeGreaterThanOrEqual(0);
    expect(result.scheduled[4]).toBeLessThan(1000);
    expect(result).toMatchObject({
      kind: 'EventList',
      apiVersion: 'events.k8s.io/v1',
      regarding: ['Pod/web'],
      scheduled: [
        'Successfully assigned web to ev-1',
        'kubesim-scheduler',
        'Binding',
        expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
        expect.any(Number),
      ],
      nodes: [['ev-1', 'default']],
      same: true,
      missing: {
        code: 404,
        body: {
          kind: 'Status',
          reason: 'NotFound',
          message: 'events.events.k8s.io "nope" not found',
        },
      },
    });
  });
});
