import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/testing/run-cli';
import { startProcessCluster, waitForNode } from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';

/**
 * Containers that end, through real agents (process runtime) and the real kubectl: phases
 * follow restartPolicy, crash loops back off, readiness waits for kubesim.io/ready-after.
 */
const suite = process.env.KUBESIM_SKIP_KUBECTL === '1' ? describe.skip : describe;

function kubectl(dir: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', join(dir, 'config'), '--cache-dir', join(dir, 'cache'), ...args],
      { env: { PATH: process.env.PATH, HOME: dir }, timeout: 60000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, stdout: err ? `${stdout}${stderr}` : stdout }),
    );
  });
}

/** kubectl get pods' row of a pod: NAME READY STATUS RESTARTS AGE. */
async function podRow(dir: string, name: string): Promise<string[] | undefined> {
  const { stdout } = await kubectl(dir, ['get', 'pods']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .find((r) => r[0] === name);
}

suite('pod lifecycle with real agents and kubectl', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startProcessCluster({
      CRASH_BACKOFF_INITIAL_MS: '400',
      CRASH_BACKOFF_MAX_MS: '1600',
    });
    dir = mkdtempSync(join(tmpdir(), 'kubesim-lifecycle-'));
    const result = await runCli(t.baseUrl, [
      'kubeconfig',
      '--write',
      '--kubeconfig',
      join(dir, 'config'),
    ]);
    if (result.code !== 0) throw new Error(result.stderr);
    await t.http.post('/nodes').send({ name: 'life-1', cpu_cores: 2 }).expect(201);
    await waitForNode(t, 'life-1', 'healthy');
  });
  afterAll(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('a `sleep 1` pod with restartPolicy Never completes: Completed, Succeeded, room given back', async () => {
    const run = await kubectl(dir, [
      'run',
      'nap',
      '--image=busybox',
      '--restart=Never',
      '--',
      'sleep',
      '1',
    ]);
    expect(run.code).toBe(0);
    await waitFor(
      'nap Completed',
      async () => (await podRow(dir, 'nap'))?.slice(1, 4).join(' ') === '0/1 Completed 0',
    );
    const phase = await kubectl(dir, [
      'get',
      'pod',
      'nap',
      '-o',
      'jsonpath={.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}',
    ]);
    expect(phase.stdout).toBe('Succeeded 0');
    const rest = (await t.http.get('/pods/nap').expect(200)).body;
    expect(rest).toMatchObject({ status: 'succeeded', restart_policy: 'Never' });
    expect(rest.finished_at).not.toBeNull();
    const node = (await t.http.get('/nodes/life-1').expect(200)).body;
    expect(node.cpu_cores_allocated).toBe(0);
    const events = (await t.http.get('/events').expect(200)).body;
    expect(JSON.stringify(events)).toContain('Completed');
  });

  it('`sh -c "exit 3"` with Never fails: Error, Failed, exit code 3', async () => {
    expect(
      (
        await kubectl(dir, [
          'run',
          'oops',
          '--image=busybox',
          '--restart=Never',
          '--',
          'sh',
          '-c',
          'exit 3',
        ])
      ).code,
    ).toBe(0);
    await waitFor('oops Error', async () => (await podRow(dir, 'oops'))?.[2] === 'Error');
    const phase = await kubectl(dir, [
      'get',
      'pod',
      'oops',
      '-o',
      'jsonpath={.status.phase} {.status.containerStatuses[0].state.terminated.exitCode}',
    ]);
    expect(phase.stdout).toBe('Failed 3');
    expect((await t.http.get('/pods/oops').expect(200)).body.reason).toBe(
      'container oops exited with code 3',
    );
  });

  it('Always restarts a crashing container, backing off in CrashLoopBackOff', async () => {
    expect((await kubectl(dir, ['run', 'crash', '--image=busybox', '--', 'false'])).code).toBe(0);
    await waitFor(
      'crash in CrashLoopBackOff',
      async () => (await podRow(dir, 'crash'))?.[2] === 'CrashLoopBackOff',
      20000,
    );
    await waitFor(
      'crash restarted twice',
      async () => {
        const r = await podRow(dir, 'crash');
        return Number(r?.[3]?.split(' ')[0]) >= 2;
      },
      20000,
    );
    const r = await podRow(dir, 'crash');
    expect(r?.[1]).toBe('0/1');
    expect(r?.[3]).toMatch(/^\d+ \(\d+s ago\)$/);
    const last = await kubectl(dir, [
      'get',
      'pod',
      'crash',
      '-o',
      'jsonpath={.status.phase} {.status.containerStatuses[0].lastState.terminated.reason}',
    ]);
    expect(last.stdout).toBe('Running Error');
    const events = (await t.http.get('/events').expect(200)).body;
    expect(JSON.stringify(events)).toContain(
      'Back-off restarting failed container crash in pod crash',
    );
  });

  it('kubesim.io/ready-after keeps a running pod 0/1 until it has passed', async () => {
    const made = await kubectl(dir, [
      'run',
      'slow',
      '--image=nginx',
      '--annotations=kubesim.io/ready-after=3s',
    ]);
    expect(made.code).toBe(0);
    await waitFor('slow running', async () => (await podRow(dir, 'slow'))?.[2] === 'Running');
    expect((await podRow(dir, 'slow'))?.[1]).toBe('0/1');
    await waitFor('slow ready', async () => (await podRow(dir, 'slow'))?.[1] === '1/1', 10000);
    const wait = await kubectl(dir, ['wait', '--for=condition=Ready', 'pod/slow', '--timeout=5s']);
    expect(wait.stdout).toBe('pod/slow condition met\n');
  });

  it('kubectl logs shows what the container printed; logs -f streams until the pod ends', async () => {
    const logs = await kubectl(dir, ['logs', 'nap']);
    expect(logs.stdout).toContain('starting busybox (container nap of pod nap)');
    expect(logs.stdout).toMatch(/exiting with code 0\n$/);
    const tail = await kubectl(dir, ['logs', 'nap', '--tail=1', '--timestamps']);
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z exiting with code 0\n$/);
    const previous = await kubectl(dir, ['logs', 'nap', '--previous']);
    expect(previous.code).toBe(1);
    expect(previous.stdout).toContain('previous terminated container "nap" in pod "nap" not found');

    expect(
      (
        await kubectl(dir, [
          'run',
          'tick',
          '--image=busybox',
          '--restart=Never',
          '--',
          'sleep',
          '2',
        ])
      ).code,
    ).toBe(0);
    await waitFor('tick running', async () => (await podRow(dir, 'tick'))?.[2] === 'Running');
    const started = Date.now();
    const follow = await kubectl(dir, ['logs', '-f', 'tick']);
    expect(follow.code).toBe(0);
    expect(follow.stdout).toContain('running for 2s');
    expect(follow.stdout).toMatch(/exiting with code 0\n$/);
    expect(Date.now() - started).toBeLessThan(15000);

    const rest = await runCli(t.baseUrl, ['logs', 'tick']);
    expect(rest.stdout).toContain('exiting with code 0');
  });
});
