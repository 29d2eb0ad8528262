import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/testing/run-cli';
import { HealthMonitorService } from '../src/health-monitor/health-monitor.service';
import { healthyNode, pod, startTestApp, TestApp, waitFor } from './setup/test-app';

/**
 * The scheduling semantics of real manifests, through the real kubectl and kubesim's REST
 * API against the real server on PostgreSQL: memory requests, nodeSelector, taints and
 * tolerations, required node affinity, and kube-scheduler's words when nothing fits.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

beforeAll(() => {
  if (SKIP) return;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'kubectl is not on PATH: set KUBESIM_SKIP_KUBECTL=1 to skip this suite on purpose.',
    );
  }
});

function kubectl(dir: string, args: string[], input = ''): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args],
      { env: { PATH: process.env.PATH, HOME: dir }, timeout: 60000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) || 1 : 0, out: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input);
  });
}

const manifest = (name: string, spec: string, memory = '64Mi') => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
${spec}
  containers:
    - name: main
      image: busybox:1.36
      resources:
        requests: { cpu: 100m, memory: ${memory} }
`;

suite('scheduling semantics of manifests', () => {
  let t: TestApp;
  let dir: string;
  const k = async (...args: string[]) => {
    const r = await kubectl(dir, args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.out}`);
    return r.out;
  };
  const apply = async (yaml: string) => {
    const r = await kubectl(dir, ['apply', '-f', '-'], yaml);
    if (r.code !== 0) throw new Error(`kubectl apply: ${r.out}`);
  };
  /** pod name → the NODE column of `kubectl get pods -o wide` */
  const placements = async () => {
    const lines = (await k('get', 'pods', '-o', 'wide')).trim().split('\n');
    const header = lines[0].split(/\s{2,}/);
    const at = header.indexOf('NODE');
    return Object.fromEntries(
      lines.slice(1).map((l) => {
        const cells = l.trim().split(/\s{2,}/);
        return [cells[0], cells[at]];
      }),
    );
  };

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'kubesim-kubectl-'));
    const cfg = await runCli(t.baseUrl, [
      'kubeconfig',
      '--write',
      '--kubeconfig',
      join(dir, 'config'),
    ]);
    if (cfg.code !== 0) throw new Error(cfg.stderr);
    const gpu = await healthyNode(t, 'gpu-1', 4, { labels: { accel: 'gpu', zone: 'a' } });
    await healthyNode(t, 'ssd-1', 4, { labels: { disktype: 'ssd', zone: 'b' } });
    await healthyNode(t, 'small', 1, { memory_mb: 1024, labels: { zone: 'a' } });
    await t.http
      .put(`/nodes/${gpu.id}/taints`)
      .send({ taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] })
      .expect(200);
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('gives a node memory from its cores unless told, and shows it to kubectl', async () => {
    const { body } = await t.http.get('/nodes/ssd-1').expect(200);
    expect(body).toMatchObject({ memory_mb: 16384, memory_mb_allocated: 0 });
    expect(body.taints).toEqual([]);
    const node = JSON.parse(await k('get', 'node', 'small', '-o', 'json'));
    expect(node.status.capacity).toMatchObject({ cpu: '1', memory: '1Gi' });
    expect(await k('describe', 'node', 'gpu-1')).toMatch(/Taints:\s+dedicated=gpu:NoSchedule/);
  });

  it('places manifests by memory, nodeSelector, tolerations and node affinity', async () => {
    await apply(manifest('big-mem', '', '2Gi'));
    await apply(manifest('on-ssd', '  nodeSelector: { disktype: ssd }'));
    await apply(
      manifest(
        'on-gpu',
        `  nodeSelector: { accel: gpu }
  tolerations:
    - { key: dedicated, operator: Equal, value: gpu, effect: NoSchedule }`,
      ),
    );
    await apply(
      manifest(
        'in-zone-a',
        `  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
          - matchExpressions:
              - { key: zone, operator: In, values: [a] }
              - { key: accel, operator: DoesNotExist }`,
      ),
    );
    expect(await placements()).toMatchObject({
      // 2Gi fits neither the 1Gi node nor the tainted one
      'big-mem': 'ssd-1',
      'on-ssd': 'ssd-1',
      'on-gpu': 'gpu-1',
      'in-zone-a': 'small',
    });
    const { body } = await t.http.get('/nodes/ssd-1').expect(200);
    expect(body.memory_mb_allocated).toBe(2048 + 64);
    const onGpu = JSON.parse(await k('get', 'pod', 'on-gpu', '-o', 'json'));
    expect(onGpu.spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' },
    ]);
  });

  it("explains an unschedulable pod in kube-scheduler's words", async () => {
    await apply(manifest('stuck', '  nodeSelector: { accel: gpu }'));
    const message =
      "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) didn't match Pod's node affinity/selector.";
    const got = JSON.parse(await k('get', 'pod', 'stuck', '-o', 'json'));
    expect(got.status.phase).toBe('Pending');
    expect(got.status.conditions).toContainEqual(
      expect.objectContaining({
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
      }),
    );
    const describe = await k('describe', 'pod', 'stuck');
    expect(describe).toContain('FailedScheduling');
    expect(describe.replace(/\s+/g, ' ')).toContain(message);
    const { body } = await t.http.get('/pods/stuck/scheduling').expect(200);
    expect(body.decision.reason).toBe(message);
    // a refused manifest changes nothing
    const bad = await kubectl(
      dir,
      ['apply', '-f', '-'],
      manifest('bad', '  tolerations: [{ operator: Equal, value: x }]'),
    );
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain('spec.tolerations[0].operator');
    await t.http.get('/pods/bad').expect(404);
  });

  it('kubectl taint adds a NoExecute taint that evicts, and its removal lets the pod back', async () => {
    await k('taint', 'nodes', 'ssd-1', 'maintenance=now:NoExecute');
    const { body } = await t.http.get('/nodes/ssd-1').expect(200);
    expect(body.taints).toEqual([
      { key: 'maintenance', value: 'now', effect: 'NoExecute', timeAdded: expect.any(String) },
    ]);
    await t.app.get(HealthMonitorService).evictUntolerated(new Date());
    const pending = await t.http.get('/pods/on-ssd').expect(200);
    expect(pending.body.status).toBe('pending');
    expect(pending.body.reason).toContain('1 node(s) had untolerated taint {maintenance: now}');
    const events = await t.http.get('/events?limit=200').expect(200);
    expect(JSON.stringify(events.body)).toContain('Evicted from ssd-1');
    await k('taint', 'nodes', 'ssd-1', 'maintenance-');
    await waitFor('on-ssd back on ssd-1', async () => (await placements())['on-ssd'] === 'ssd-1');
    expect((await t.http.get('/nodes/ssd-1').expect(200)).body.taints).toEqual([]);
    // cordon shows as Kubernetes' unschedulable taint, which kubectl taint leaves alone
    await k('cordon', 'small');
    expect(await k('describe', 'node', 'small')).toMatch(
      /Taints:\s+node\.kubernetes\.io\/unschedulable:NoSchedule/,
    );
    await k('taint', 'nodes', 'small', 'extra=1:PreferNoSchedule');
    expect((await t.http.get('/nodes/small').expect(200)).body.taints).toEqual([
      { key: 'extra', value: '1', effect: 'PreferNoSchedule' },
    ]);
    await k('uncordon', 'small');
  });

  it('REST: taints are validated, pods take node_selector and tolerations', async () => {
    const bad = await t.http
      .put('/nodes/small/taints')
      .send({ taints: [{ key: 'x', effect: 'Sometimes' }] })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('taints[0].effect');
    expect((await t.http.get('/nodes/small').expect(200)).body.taints).toHaveLength(1);
    const res = await t.http
      .post('/pods')
      .send(
        pod('rest-gpu', 0.1, {
          node_selector: { accel: 'gpu' },
          tolerations: [{ key: 'dedicated', operator: 'Exists' }],
        }),
      )
      .expect(201);
    expect(res.body).toMatchObject({ node_name: 'gpu-1', node_selector: { accel: 'gpu' } });
    await t.http
      .post('/pods')
      .send(pod('rest-bad', 0.1, { tolerations: [{ operator: 'Sometimes' }] }))
      .expect(400);
  });
});
