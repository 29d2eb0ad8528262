import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { openStream } from './setup/event-stream';
import { startTestApp, TestApp, waitFor } from './setup/test-app';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const LESSONS = join(ROOT, 'examples', 'scenarios');
const workDir = mkdtempSync(join(tmpdir(), 'kubesim-scenarios-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** `kubesim scenario run FILE` as a user runs it, to its end. */
function scenarioRun(
  server: string,
  file: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [CLI, 'scenario', 'run', file, '--server', server, ...extra],
      { cwd: workDir, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A real server with real agents as child processes and the `fast` timing preset. */
async function startCluster(): Promise<TestApp> {
  const port = String(await freePort());
  return startTestApp({
    RUNTIME: 'process',
    PORT: port,
    KUBESIM_API_URL: `http://127.0.0.1:${port}`,
    KUBESIM_TIMINGS: 'fast',
    KUBESIM_LOOPS: 'on',
  });
}

describe('lessons as scenarios, played by the built CLI against a real cluster', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('lose-a-node passes: the pods leave the crashed node and it comes back', async () => {
    t = await startCluster();
    const run = await scenarioRun(t.baseUrl, join(LESSONS, 'lose-a-node.yaml'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ +\+\d+\.\ds {2}failNode worker-1 \(crash\)$/m);
    expect(run.stdout).toMatch(
      /expect pods web-\* running count 3 not on worker-1: held after .*\(3 of 3 matching \(web-1 running on spare-/,
    );
    expect(run.stdout).toContain('passed: 6 of 6 expectations held');
    // what the timeline says is what the cluster did
    const { body: pods } = await t.http.get('/pods').expect(200);
    expect(pods.map((p: { node_name: string }) => p.node_name)).not.toContain('worker-1');
  });

  it('--start plays lose-a-node on a kubesim of its own, with the fast timings it asks, and stops it', async () => {
    const run = await scenarioRun(
      // nothing listens there: the scenario's own cluster is used instead
      'http://127.0.0.1:9',
      join(LESSONS, 'lose-a-node.yaml'),
      ['--start'],
      { RUNTIME: 'process' },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const url = /against (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stdout)?.[1];
    expect(url).toBeDefined();
    expect(url).not.toBe('http://127.0.0.1:9');
    // the `fast` preset the lesson names, not kubesim's defaults (5000 ms, 15000 ms)
    expect(run.stdout).toMatch(
      /started a kubesim of its own at http:\/\/127\.0\.0\.1:\d+: heartbeats every 300 ms, a node failed after 2000 ms of silence, its pods evicted 0 ms later/,
    );
    expect(run.stdout).toContain('passed: 6 of 6 expectations held');
    // its cluster is gone with it
    await expect(fetch(`${url}/readyz`)).rejects.toThrow();
  }, 180000);

  it('rolling-update passes: the Deployment ends on the new image, its old ReplicaSet at zero', async () => {
    t = await startCluster();
    const run = await scenarioRun(t.baseUrl, join(LESSONS, 'rolling-update.yaml'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ +\+\d+\.\ds {2}apply deployment\/web$/m);
    expect(run.stdout).toContain('passed: 5 of 5 expectations held');
    const { body: sets } = await t.http
      .get('/apis/apps/v1/namespaces/default/replicasets')
      .expect(200);
    const byImage = Object.fromEntries(
      sets.items.map(
        (rs: {
          spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
        }) => [rs.spec.template.spec.containers[0].image, rs.spec.replicas],
      ),
    );
    expect(byImage).toEqual({ 'nginx:1.27': 0, 'nginx:1.28': 3 });
  });

  it('cordon-and-drain passes: the drained node keeps no pod, the bare one is gone', async () => {
    t = await startCluster();
    const run = await scenarioRun(t.baseUrl, join(LESSONS, 'cordon-and-drain.yaml'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('passed: 6 of 6 expectations held');
    const { body: pods } = await t.http.get('/pods').expect(200);
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.node_name).toBe('worker-2');
    const { body: node } = await t.http.get('/nodes/worker-1').expect(200);
    expect(node.cordoned).toBe(true);
  });

  it('network-policy passes: the frontend alone reaches the database, on its port', async () => {
    t = await startCluster();
    const run = await scenarioRun(t.baseUrl, join(LESSONS, 'network-policy.yaml'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('passed: 7 of 7 expectations held');
    expect(run.stdout).toMatch(/expect default\/intruder cannot reach default\/db:5432: held/);
  });

  it('autoscaler passes: nodes are added for the pending pods and removed once idle', async () => {
    t = await startCluster();
    const run = await scenarioRun(t.baseUrl, join(LESSONS, 'autoscaler.yaml'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /expect event ScaleUp: held .*ScaleUp: \d+ pods? pending, adding \d+ nodes?/,
    );
    expect(run.stdout).toContain('passed: 6 of 6 expectations held');
    const { body: events } = await t.http.get('/events?reason=ScaleDown').expect(200);
    expect(events.length).toBeGreaterThan(0);
  });

  it('algorithms passes, and -o json reports every step', async () => {
    t = await startCluster();
    const run = await scenarioRun(t.baseUrl, join(LESSONS, 'algorithms.yaml'), [
      '-o',
      'json',
      '--seed',
      '7',
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ scenario: 'algorithms', seed: 7, passed: true });
    expect(report.steps.filter((s: { kind: string }) => s.kind === 'expect')).toHaveLength(5);
    expect(report.steps.every((s: { result: string }) => s.result !== 'failed')).toBe(true);
    const { body: bf } = await t.http.get('/pods/bf-1').expect(200);
    expect(bf.node_name).toBe('small-1');
  });

  it('the same lesson with an impossible expectation exits 1, naming it and what was seen', async () => {
    t = await startCluster();
    const text = readFileSync(join(LESSONS, 'algorithms.yaml'), 'utf8');
    const lines = text.split('\n').length;
    const impossible = join(workDir, 'impossible.yaml');
    // appended: step 14, a fourth pod the lesson never creates
    writeFileSync(impossible, `${text}  - expect: {pods: {prefix: '', count: 4}}\n`);
    const run = await scenarioRun(t.baseUrl, impossible);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/expect pods \* count 4: FAILED after/);
    expect(run.stderr).toMatch(
      new RegExp(
        `^error: step 14 \\(line ${lines}\\): expected pods \\* count 4, saw 3 of 3 matching`,
      ),
    );
  });

  it('a malformed file exits 2 with the line and the field at fault, doing nothing', async () => {
    t = await startCluster();
    const bad = join(workDir, 'bad.yaml');
    writeFileSync(
      bad,
      [
        'apiVersion: kubesim.io/v1alpha1',
        'kind: Scenario',
        'steps:',
        '  - addNodes: {count: 1, cpu: 2, prefix: w}',
        '  - failNode: {name: w-1, mode: melt}',
      ].join('\n'),
    );
    const run = await scenarioRun(t.baseUrl, bad);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${bad}: line 5: steps[1].failNode.mode: expected one of crash, hang, partition\n`,
    );
    const { body: nodes } = await t.http.get('/nodes').expect(200);
    expect(nodes).toEqual([]);
  });
});

/** The live event stream's cluster events, as they arrive. */
async function liveEvents(t: TestApp) {
  const stream = await openStream(t);
  return {
    events: () =>
      stream.messages
        .filter((m) => m.event === 'event')
        .map((m) => JSON.parse(m.data) as { reason: string; object: string; message: string }),
    close: stream.close,
  };
}

describe('scenarios played by the server (POST /scenarios)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startCluster();
  });
  afterAll(() => t?.close());

  it('lists the shipped lessons, and refuses a malformed file or an unknown lesson, playing nothing', async () => {
    const { body: lessons } = await t.http.get('/scenarios/lessons').expect(200);
    expect(lessons.map((l: { name: string }) => l.name)).toEqual(
      expect.arrayContaining(['algorithms', 'lose-a-node', 'rolling-update']),
    );
    expect(lessons.find((l: { name: string }) => l.name === 'lose-a-node').description).toMatch(
      /^Node failure and rescheduling/,
    );
    const bad = await t.http
      .post('/scenarios')
      .send({
        scenario: 'apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nsteps:\n  - explode: now\n',
      })
      .expect(400);
    expect(bad.body.message).toBe(
      'scenario: line 4: steps[0].explode: unknown step kind; expected one of ' +
        'addNodes, deleteNode, failNode, restartNode, cordon, uncordon, drain, setScheduler, autoscaler, wait, apply, delete, scale, expect',
    );
    await t.http.post('/scenarios').send({ lesson: 'no-such-lesson' }).expect(404);
    await t.http.post('/scenarios').send({ lesson: 'algorithms', scenario: 'x' }).expect(400);
    await t.http.post('/scenarios').send({ lesson: '../../etc/passwd' }).expect(400);
    expect((await t.http.get('/scenarios').expect(200)).body).toEqual([]);
    expect((await t.http.get('/nodes').expect(200)).body).toEqual([]);
  });

  it('plays a lesson against itself, its steps and its end on the live event stream', async () => {
    const stream = await liveEvents(t);
    try {
      const { body: run } = await t.http
        .post('/scenarios')
        .send({ lesson: 'algorithms', seed: 7 })
        .expect(202);
      expect(run).toMatchObject({ name: 'algorithms', seed: 7, status: 'running' });
      const done = await waitFor(
        'the run to end',
        async () => {
          const { body } = await t.http.get(`/scenarios/${run.id}`).expect(200);
          return body.status !== 'running' && body;
        },
        60000,
      );
      expect(done).toMatchObject({ status: 'passed', message: null });
      expect(done.steps.filter((s: { kind: string }) => s.kind === 'expect')).toHaveLength(5);
      // what the run says is what the cluster did
      expect((await t.http.get('/pods/bf-1').expect(200)).body.node_name).toBe('small-1');
      await waitFor('the end on the stream', async () =>
        stream.events().some((e) => e.reason === 'ScenarioPassed'),
      );
      const seen = stream.events().filter((e) => e.object === 'scenario/algorithms');
      expect(seen[0].reason).toBe('ScenarioStarted');
      expect(seen.filter((e) => e.reason === 'ScenarioStep').length).toBe(done.steps.length);
      expect(seen.at(-1)!.message).toMatch(/^Scenario algorithms passed: 5 of 5 expectations held/);
    } finally {
      stream.close();
    }
  }, 90000);

  it('a run whose expectation fails ends failed, naming the step and what was seen', async () => {
    const { body: run } = await t.http
      .post('/scenarios')
      .send({
        scenario: [
          'apiVersion: kubesim.io/v1alpha1',
          'kind: Scenario',
          'metadata: {name: impossible}',
          'steps:',
          '  - expect: {nodes: {name: nowhere-1, status: healthy}}',
        ].join('\n'),
      })
      .expect(202);
    const done = await waitFor('the run to end', async () => {
      const { body } = await t.http.get(`/scenarios/${run.id}`).expect(200);
      return body.status !== 'running' && body;
    });
    expect(done).toMatchObject({
      status: 'failed',
      message: 'step 1 (line 5): expected nodes nowhere-1 healthy, saw no such node',
    });
    const { body: events } = await t.http.get('/events?reason=ScenarioFailed').expect(200);
    expect(events[0]).toMatchObject({ type: 'Warning', object: 'scenario/impossible' });
    await t.http.get('/scenarios/ffffffff').expect(404);
  });
});
