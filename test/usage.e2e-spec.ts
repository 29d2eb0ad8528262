import { addHealthyNodes, startProcessCluster } from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';
import { runCli } from '../cli/testing/run-cli';

/**
 * Resource use: pods annotated with their simulated use, run by real agents (the process
 * runtime), read back through kubesim's REST routes, Prometheus and the real `kubectl top`.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

const podManifest = (
  name: string,
  namespace: string,
  annotations: Record<string, string>,
  requests = '{cpu: "1", memory: 512Mi}',
) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: ${namespace}
  annotations: ${JSON.stringify(annotations)}
spec:
  containers:
  - name: main
    image: busybox:1.36
    resources: {requests: ${requests}}
`;

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations: {kubesim.io/cpu-usage: 90m}
    spec:
      containers:
      - name: web
        image: busybox:1.36
        resources: {requests: {cpu: 100m, memory: 16Mi}}
`;

/** `kubectl top` output as rows of columns, header left out. */
const rows = (out: string) =>
  out
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/));

suite('resource usage through REST, Prometheus and kubectl top', () => {
  let t: TestApp;
  let k: Kubectl;

  beforeAll(async () => {
    t = await startProcessCluster();
    k = new Kubectl();
    await k.configure(t.baseUrl);
    await addHealthyNodes(
      t,
      ['u-1', 'u-2'].map((name) => ({ name, cpu_cores: 2, memory_mb: 4096 })),
    );
    await k.ok('create', 'namespace', 'team');
    await k.run(
      ['apply', '-f', '-'],
      podManifest('hot', 'default', {
        'kubesim.io/cpu-usage': '900m',
        'kubesim.io/memory-usage': '300Mi',
      }),
    );
    await k.run(
      ['apply', '-f', '-'],
      podManifest(
        'calm',
        'team',
        { 'kubesim.io/cpu-usage': '250m', 'kubesim.io/memory-usage': '64Mi' },
        '{cpu: 500m, memory: 128Mi}',
      ),
    );
    await k.ok('wait', '--for=condition=Ready', 'pod/hot', '--timeout=60s');
    await k.ok('wait', '-n', 'team', '--for=condition=Ready', 'pod/calm', '--timeout=60s');
    // the first samples come with the beats after the pods run
    await waitFor('usage of both pods', async () => {
      const hot = (await t.http.get('/pods/hot/usage')).body;
      const calm = (await t.http.get('/pods/calm/usage?namespace=team')).body;
      return hot.samples?.length > 0 && calm.samples?.length > 0;
    });
  }, 120000);
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  it('a pod annotated kubesim.io/cpu-usage: 900m uses 0.9 cores in its usage history', async () => {
    const { body } = await t.http.get('/pods/hot/usage').expect(200);
    expect(body).toMatchObject({
      pod_name: 'hot',
      namespace: 'default',
      cpu_cores_req: 1,
      memory_mb_req: 512,
      containers: [{ name: 'main', cpu: 0.9, memory: 300 }],
    });
    expect(body.node_name).toMatch(/^u-[12]$/);
    for (const s of body.samples) {
      expect(s).toEqual({ time: expect.any(String), cpu: 0.9, memory: 300 });
      expect(Number.isNaN(Date.parse(s.time))).toBe(false);
    }
    // by id too, and only the last N samples when asked
    const byId = await t.http.get(`/pods/${body.pod_id}/usage?limit=1`).expect(200);
    expect(byId.body.samples).toHaveLength(1);
  });

  it('a node reports the sum of its pods, as a bounded history', async () => {
    const hot = (await t.http.get('/pods/hot/usage')).body;
    const calm = (await t.http.get('/pods/calm/usage?namespace=team')).body;
    await waitFor('a node sample with both pods', async () => {
      for (const name of ['u-1', 'u-2']) {
        const { body } = await t.http.get(`/nodes/${name}/usage`).expect(200);
        const expected = (hot.node_name === name ? 0.9 : 0) + (calm.node_name === name ? 0.25 : 0);
        const last = body.samples[body.samples.length - 1];
        if (!last || Math.abs(last.cpu - expected) > 1e-6) return false;
        expect(body).toMatchObject({ node_name: name, cpu_cores_total: 2, memory_mb: 4096 });
      }
      return true;
    });
  });

  it('kubectl top pods shows the same numbers, per namespace and across all', async () => {
    const def = rows(await k.ok('top', 'pods'));
    expect(def).toEqual([['hot', '900m', '300Mi']]);
    const team = rows(await k.ok('top', 'pods', '-n', 'team'));
    expect(team).toEqual([['calm', '250m', '64Mi']]);
    const all = rows(await k.ok('top', 'pods', '-A'));
    expect(all).toEqual(
      expect.arrayContaining([
        ['default', 'hot', '900m', '300Mi'],
        ['team', 'calm', '250m', '64Mi'],
      ]),
    );
    const one = rows(await k.ok('top', 'pod', 'hot', '--containers'));
    expect(one).toEqual([['hot', 'main', '900m', '300Mi']]);

    // kubesim's own CLI reads the same API and prints the same figures
    const ours = await runCli(t.baseUrl, ['top', 'pods', '-A']);
    expect(ours.code).toBe(0);
    const ourRows = ours.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    expect(ourRows).toEqual(
      expect.arrayContaining([
        ['default', 'hot', '900m', '300Mi'],
        ['team', 'calm', '250m', '64Mi'],
      ]),
    );
  });

  it('kubectl top nodes answers with each node as its usage route says', async () => {
    // every pod has a fixed use, so a node's use is the same from one beat to the next
    const top = new Map(rows(await k.ok('top', 'nodes')).map((r) => [r[0], r]));
    expect([...top.keys()].sort()).toEqual(['u-1', 'u-2']);
    for (const name of ['u-1', 'u-2']) {
      const { body } = await t.http.get(`/nodes/${name}/usage`);
      const last = body.samples[body.samples.length - 1];
      const [, cpu, cpuPercent, memory] = top.get(name)!;
      expect(cpu).toBe(`${Math.round(last.cpu * 1000)}m`);
      expect(cpuPercent).toBe(`${Math.round((last.cpu / 2) * 100)}%`);
      expect(memory).toBe(`${Math.round(last.memory)}Mi`);
    }
  });

  it('metrics.k8s.io is in discovery', async () => {
    const out = await k.ok('api-resources', '--api-group=metrics.k8s.io');
    expect(out).toMatch(/^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics$/m);
    expect(out).toMatch(/^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/m);
  });

  it('Prometheus has per-pod and per-node usage gauges', async () => {
    const { text } = await t.http.get('/metrics').expect(200);
    expect(text).toMatch(
      /^kubesim_pod_cpu_usage_cores\{pod="hot",pod_id="\d+",node="u-[12]"\} 0\.9$/m,
    );
    expect(text).toMatch(
      new RegExp(`^kubesim_pod_memory_usage_bytes\\{pod="hot",.*\\} ${300 * 1024 * 1024}$`, 'm'),
    );
    expect(text).toMatch(/^kubesim_node_cpu_usage_cores\{node="u-1"\} /m);
    expect(text).toMatch(/^kubesim_node_memory_usage_bytes\{node="u-2"\} /m);
  });

  it("kubectl annotate changes a running pod's use at once", async () => {
    await k.ok('annotate', 'pod', 'hot', 'kubesim.io/cpu-usage=1200m', '--overwrite');
    await waitFor('hot at 1.2 cores', async () => {
      const { body } = await t.http.get('/pods/hot/usage');
      return body.containers?.[0]?.cpu === 1.2;
    });
    expect(rows(await k.ok('top', 'pod', 'hot'))).toEqual([['hot', '1200m', '300Mi']]);
    const bad = await k.run(['annotate', 'pod', 'hot', 'kubesim.io/cpu-usage=lots', '--overwrite']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/"lots" is not a cpu quantity/);
  });

  describe('a HorizontalPodAutoscaler', () => {
    beforeAll(async () => {
      const applied = await k.run(['apply', '-f', '-'], WEB);
      expect(applied.stderr).toBe('');
      await k.ok('rollout', 'status', 'deployment/web', '--timeout=60s');
    }, 90000);

    it('the pods of a Deployment inherit its template usage: kubectl top shows 90m', async () => {
      await waitFor('a sample of the web pod', async () =>
        rows((await k.run(['top', 'pods', '-l', 'app=web'])).stdout).length === 1 ? true : null,
      );
      const [[name, cpu]] = rows(await k.ok('top', 'pods', '-l', 'app=web'));
      expect(name).toMatch(/^web-/);
      expect(cpu).toBe('90m');
    });

    it('kubectl autoscale at 50% over pods using 90% of their request scales out to its max', async () => {
      const out = await k.ok(
        'autoscale',
        'deployment',
        'web',
        '--cpu-percent=50',
        '--min=1',
        '--max=5',
      );
      expect(out).toMatch(/horizontalpodautoscaler.autoscaling\/web autoscaled/);
      await waitFor(
        'web scaled to 5',
        async () =>
          (await k.ok('get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}')) === '5',
        90000,
      );
      await k.ok('rollout', 'status', 'deployment/web', '--timeout=60s');
      // once all five run and report, the autoscaler's status says so
      const hpa = await waitFor(
        'the autoscaler at 5 replicas, 90% of 50%',
        async () => {
          const r = rows(await k.ok('get', 'hpa', 'web'))[0];
          return r && r[2] === '90%/50%' && r[5] === '5' ? r : null;
        },
        60000,
      );
      expect(hpa.slice(0, 6)).toEqual(['web', 'Deployment/web', '90%/50%', '1', '5', '5']);
      // it stays there: the pods still use 90% of their request
      expect(await k.ok('get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('5');
    }, 180000);

    it('is served as autoscaling/v2 and v1, with its status', async () => {
      const v2 = JSON.parse(await k.ok('get', 'hpa', 'web', '-o', 'json'));
      expect(v2).toMatchObject({
        apiVersion: 'autoscaling/v2',
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            },
          ],
        },
        status: {
          currentReplicas: 5,
          desiredReplicas: 5,
          currentMetrics: [{ resource: { name: 'cpu', current: { averageUtilization: 90 } } }],
        },
      });
      expect(v2.status.conditions.map((c: { type: string }) => c.type)).toEqual([
        'AbleToScale',
        'ScalingActive',
        'ScalingLimited',
      ]);
      const v1 = JSON.parse(
        await k.ok('get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-o', 'json'),
      );
      expect(v1).toMatchObject({
        apiVersion: 'autoscaling/v1',
        spec: { targetCPUUtilizationPercentage: 50, maxReplicas: 5 },
        status: { currentCPUUtilizationPercentage: 90, currentReplicas: 5 },
      });
      const events = (await t.http.get('/events?reason=SuccessfulRescale')).body;
      expect(events[0].message).toMatch(/^New size: \d; reason: cpu resource utilization/);
    });

    it('kubectl get hpa -w follows it; kubectl patch and replace change it, a stale replace conflicts', async () => {
      const watch = k.watch('get', 'hpa', 'web', '-w');
      await waitFor('the watch to list web', async () =>
        /^web\s+Deployment\/web\s/m.test(watch.output()),
      );
      await k.ok('patch', 'hpa', 'web', '-p', '{"spec":{"maxReplicas":6}}');
      expect(await k.ok('get', 'hpa', 'web', '-o', 'jsonpath={.spec.maxReplicas}')).toBe('6');
      // NAME REFERENCE TARGETS MINPODS MAXPODS …: the watch prints the new bound
      await waitFor('the watch to show MAXPODS 6', async () =>
        /^web\s+Deployment\/web\s+\S+\s+\d+\s+6\s/m.test(watch.output()),
      );
      // the controller writes the status while the Deployment grows to 6, so a replace may
      // meet a newer version: as kubectl says, read it again and retry
      let current: { spec: { maxReplicas: number } } = { spec: { maxReplicas: 0 } };
      const replaced = await waitFor(
        'a replace over the latest version',
        async () => {
          current = JSON.parse(await k.ok('get', 'hpa', 'web', '-o', 'json'));
          current.spec.maxReplicas = 5;
          const r = await k.run(['replace', '-f', '-'], JSON.stringify(current));
          if (r.code !== 0 && !/Conflict/.test(r.stderr)) throw new Error(r.stderr);
          return r.code === 0 ? r : null;
        },
        20000,
        200,
      );
      expect(replaced.stdout).toMatch(/horizontalpodautoscaler.autoscaling\/web replaced/);
      expect(await k.ok('get', 'hpa', 'web', '-o', 'jsonpath={.spec.maxReplicas}')).toBe('5');
      // the version read before that replace is stale now
      const stale = await k.run(['replace', '-f', '-'], JSON.stringify(current));
      expect(stale.code).not.toBe(0);
      expect(stale.stderr).toMatch(/Conflict|the object has been modified/);
    });

    it('refuses an autoscaler kubesim cannot honour', async () => {
      const bad = await k.run(
        ['apply', '-f', '-'],
        `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: odd}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  minReplicas: 3
  maxReplicas: 2
  metrics:
  - type: Pods
    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: "10"}}
`,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/spec.scaleTargetRef.kind: Unsupported value: "StatefulSet"/);
      expect(bad.stderr).toMatch(/spec.maxReplicas: .*minReplicas/);
      expect(bad.stderr).toMatch(/spec.metrics: Unsupported value/);
      await k.ok('delete', 'hpa', 'web');
      expect((await k.run(['get', 'hpa', 'web'])).stderr).toMatch(/NotFound|not found/);
    });
  });

  it('refuses bad input clearly', async () => {
    await t.http.get('/pods/nope/usage').expect(404);
    await t.http.get('/nodes/nope/usage').expect(404);
    const zero = await t.http.get('/pods/hot/usage?limit=0').expect(400);
    expect(JSON.stringify(zero.body)).toMatch(/limit/);
    await t.http.get('/nodes/u-1/usage?limit=many').expect(400);
    await t.http.get('/nodes/u-1/usage?since=1').expect(400);
    const bad = await k.run(
      ['apply', '-f', '-'],
      podManifest('odd', 'default', { 'kubesim.io/cpu-usage': 'fast' }),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/kubesim\.io\/cpu-usage: "fast" is not a cpu quantity/);
  });
});
