import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/testing/run-cli';
import { addHealthyNodes, eventsOf, startProcessCluster } from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * Jobs run to completion: the real kubectl against the real server, with real agents
 * (the process runtime) running the pods and reporting how their containers end.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

const job = (
  name: string,
  spec: string,
  command: string,
  restartPolicy = 'Never',
) => `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
spec:
${spec}
  template:
    spec:
      restartPolicy: ${restartPolicy}
      containers:
      - name: main
        image: busybox:1.36
        command: ${command}
        resources: {requests: {cpu: 100m, memory: 16Mi}}
`;

/** The pods of a Job, as kubectl lists them by the label kube-apiserver puts on them. */
async function jobPods(
  k: Kubectl,
  name: string,
): Promise<Array<{ name: string; phase: string; owner: string }>> {
  const out = await k.ok(
    'get',
    'pods',
    '-l',
    `job-name=${name}`,
    '-o',
    'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.ownerReferences[0].name}{"\\n"}{end}',
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [pod, phase, owner] = l.split(' ');
      return { name: pod, phase, owner: owner ?? '' };
    });
}

suite('Jobs through kubectl', () => {
  let t: TestApp;
  let k: Kubectl;

  beforeAll(async () => {
    t = await startProcessCluster();
    k = new Kubectl();
    await k.configure(t.baseUrl);
    await addHealthyNodes(t, [
      { name: 'j-1', cpu_cores: 2 },
      { name: 'j-2', cpu_cores: 2 },
    ]);
  }, 60000);
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  it('kubectl api-resources lists jobs in batch/v1', async () => {
    const out = await k.ok('api-resources', '--api-group=batch');
    expect(out).toMatch(/^jobs\s+batch\/v1\s+true\s+Job$/m);
  });

  it('kubectl create job … -- sleep 2 completes: kubectl wait sees Complete, get jobs shows 1/1', async () => {
    await k.ok('create', 'job', 'pi', '--image=busybox', '--', 'sleep', '2');
    await k.ok('wait', '--for=condition=complete', 'job/pi', '--timeout=60s');
    const table = await k.ok('get', 'jobs');
    expect(table).toMatch(/^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    expect(table).toMatch(/^pi\s+Complete\s+1\/1\s+\d+s\s+\d+s$/m);
    const pods = await jobPods(k, 'pi');
    expect(pods).toHaveLength(1);
    expect(pods[0]).toMatchObject({ phase: 'Succeeded', owner: 'pi' });
    expect(pods[0].name).toMatch(/^pi-[a-z0-9]{5}$/);
    const reasons = (await eventsOf(t, 'job/pi')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['SuccessfulCreate', 'Completed']));
  }, 90000);

  it('completions 3, parallelism 2 over `sleep 1`: complete with 3 succeeded pods', async () => {
    const applied = await k.run(
      ['apply', '-f', '-'],
      job('trio', '  completions: 3\n  parallelism: 2', '["sleep", "1"]'),
    );
    expect(applied.stderr).toBe('');
    await k.ok('wait', '--for=condition=complete', 'job/trio', '--timeout=90s');
    const status = await k.ok(
      'get',
      'job',
      'trio',
      '-o',
      'jsonpath={.status.succeeded} {.status.failed} {.status.active} {.status.completionTime}',
    );
    const [succeeded, failed, active, completionTime] = status.split(' ');
    expect([succeeded, failed, active]).toEqual(['3', '0', '0']);
    expect(Date.parse(completionTime)).not.toBeNaN();
    const pods = await jobPods(k, 'trio');
    expect(pods.map((p) => p.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(await k.ok('get', 'job', 'trio')).toMatch(/^trio\s+Complete\s+3\/3\s/m);
    // as Kubernetes 1.31+ reports it: the interim condition, then the terminal one
    expect(await k.ok('get', 'job', 'trio', '-o', 'jsonpath={.status.conditions[*].type}')).toBe(
      'SuccessCriteriaMet Complete',
    );
    // kubesim's own CLI lists the same Job
    const cli = await runCli(t.baseUrl, ['get', 'jobs']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/default\s+trio\s+Complete\s+3\/3\s/);
    const created = (await eventsOf(t, 'job/trio')).filter((e) => e.reason === 'SuccessfulCreate');
    expect(created).toHaveLength(3);
  }, 120000);

  it('deleting a finished pod of a running Job keeps its count: no pod is made for it again', async () => {
    const applied = await k.run(
      ['apply', '-f', '-'],
      job('pair', '  completions: 2\n  parallelism: 1', '["sleep", "3"]'),
    );
    expect(applied.stderr).toBe('');
    const first = await waitFor(
      'the first pod of job/pair to succeed',
      async () => (await jobPods(k, 'pair')).find((p) => p.phase === 'Succeeded')?.name,
      60000,
    );
    await k.ok('delete', 'pod', first);
    await k.ok('wait', '--for=condition=complete', 'job/pair', '--timeout=90s');
    expect(await k.ok('get', 'job', 'pair', '-o', 'jsonpath={.status.succeeded}')).toBe('2');
    // kubesim's own bookkeeping of counted pods is not served
    expect(await k.ok('get', 'job', 'pair', '-o', 'jsonpath={.status}')).not.toContain('counted');
    const created = (await eventsOf(t, 'job/pair')).filter((e) => e.reason === 'SuccessfulCreate');
    expect(created).toHaveLength(2);
  }, 120000);

  it('`exit 1` with backoffLimit 1 fails with BackoffLimitExceeded after two failed pods', async () => {
    const applied = await k.run(
      ['apply', '-f', '-'],
      job('doomed', '  backoffLimit: 1', '["sh", "-c", "exit 1"]'),
    );
    expect(applied.code).toBe(0);
    await k.ok('wait', '--for=condition=failed', 'job/doomed', '--timeout=90s');
    const condition = await k.ok(
      'get',
      'job',
      'doomed',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Failed")].reason} {.status.failed} {.status.succeeded}',
    );
    expect(condition).toBe('BackoffLimitExceeded 2 0');
    const pods = await jobPods(k, 'doomed');
    expect(pods.map((p) => p.phase)).toEqual(['Failed', 'Failed']);
    expect(await k.ok('get', 'job', 'doomed')).toMatch(/^doomed\s+Failed\s+0\/1\s/m);
    const events = await eventsOf(t, 'job/doomed');
    expect(events.find((e) => e.reason === 'BackoffLimitExceeded')?.message).toBe(
      'Job has reached the specified backoff limit',
    );
  }, 120000);

  it('activeDeadlineSeconds ends a Job that runs too long: DeadlineExceeded, its pod deleted', async () => {
    await k.ok('create', 'job', 'slow', '--image=busybox', '--', 'sleep', '300');
    await k.ok(
      'patch',
      'job',
      'slow',
      '--type=merge',
      '-p',
      '{"spec":{"activeDeadlineSeconds":2}}',
    );
    await k.ok('wait', '--for=condition=failed', 'job/slow', '--timeout=60s');
    expect(
      await k.ok(
        'get',
        'job',
        'slow',
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Failed")].reason}',
      ),
    ).toBe('DeadlineExceeded');
    await waitFor('the running pod deleted', async () => (await jobPods(k, 'slow')).length === 0);
  }, 90000);

  it('refuses restartPolicy Always as Kubernetes does, storing nothing', async () => {
    const r = await k.run(['apply', '-f', '-'], job('forever', '', '["sleep", "1"]', 'Always'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/spec\.template\.spec\.restartPolicy.*Unsupported value: "Always"/);
    expect((await k.run(['get', 'job', 'forever'])).stderr).toMatch(/NotFound|not found/);
  });

  it('kubesim scale deployment/NAME --replicas N goes through the scale subresource', async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: busybox:1.36, resources: {requests: {cpu: 100m, memory: 16Mi}}}
`;
    expect((await k.run(['apply', '-f', '-'], deployment)).code).toBe(0);
    const scaled = await runCli(t.baseUrl, ['scale', 'deployment/web', '--replicas', '2']);
    expect(scaled.code).toBe(0);
    expect(scaled.stdout).toMatch(/deployment\/web scaled to 2/);
    expect(await k.ok('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
    await waitFor(
      'kubesim get deployments to show web 2/2',
      async () =>
        /default\s+web\s+2\/2\s+2\s+2\s/.test(
          (await runCli(t.baseUrl, ['get', 'deployments'])).stdout,
        ),
      60000,
      300,
    );
    await k.ok('delete', 'deployment', 'web');
  }, 90000);

  it('kubesim apply -f makes every object of a manifest of several documents, and changes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubesim-apply-'));
    const file = join(dir, 'app.yaml');
    const service = (tier: string) => `apiVersion: v1
kind: Service
metadata: {name: cli-svc, labels: {tier: ${tier}}}
spec: {selector: {app: cli}, ports: [{port: 80}]}
`;
    try {
      writeFileSync(
        file,
        `${job('cli-job', '  completions: 1', '["sleep", "1"]')}---\n${service('a')}`,
      );
      const first = await runCli(t.baseUrl, ['apply', '-f', file]);
      expect(first).toMatchObject({
        code: 0,
        stdout: 'job.batch/cli-job created\nservice/cli-svc created\n',
      });
      await k.ok('wait', '--for=condition=complete', 'job/cli-job', '--timeout=60s');
      writeFileSync(
        file,
        `${job('cli-job', '  completions: 1', '["sleep", "1"]')}---\n${service('b')}`,
      );
      const again = await runCli(t.baseUrl, ['apply', '-f', file]);
      expect(again).toMatchObject({
        code: 0,
        stdout: 'job.batch/cli-job configured\nservice/cli-svc configured\n',
      });
      expect(await k.ok('get', 'svc', 'cli-svc', '-o', 'jsonpath={.metadata.labels.tier}')).toBe(
        'b',
      );
      // an object the server refuses is named, the others applied, and the exit is 1
      writeFileSync(
        file,
        `${service('c')}---\napiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\nspec: {ports: [{port: 80}]}\n`,
      );
      const partly = await runCli(t.baseUrl, ['apply', '-f', file]);
      expect(partly.code).toBe(1);
      expect(partly.stdout).toBe('service/cli-svc configured\n');
      expect(partly.stderr).toMatch(/error: service\/Bad_Name: /);
      await k.ok('delete', 'svc', 'cli-svc');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90000);

  it('deleting a Job deletes its pods; --cascade=orphan keeps them, owned by nothing', async () => {
    expect(await jobPods(k, 'pi')).toHaveLength(1);
    await k.ok('delete', 'job', 'pi');
    await waitFor('the pods of pi gone', async () => (await jobPods(k, 'pi')).length === 0);
    expect(await jobPods(k, 'trio')).toHaveLength(3);
    await k.ok('delete', 'job', 'trio', '--cascade=orphan');
    const kept = await jobPods(k, 'trio');
    expect(kept).toHaveLength(3);
    for (const p of kept) expect(p.owner).toBe('');
  }, 60000);
});
