import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../src/database/embedded-postgres';
import { pod, startTestApp, TestApp, waitFor } from './setup/test-app';

/**
 * The Docker runtime against a real engine: node agents in containers on the host
 * network, talking to the app on 127.0.0.1. A handful of containers at most, removed
 * one at a time (Debian's engine has jammed on mass removals).
 */
const run = promisify(execFile);
const SKIP = process.env.KUBESIM_SKIP_DOCKER === '1';
if (SKIP) {
  console.warn(
    '\n*** KUBESIM_SKIP_DOCKER=1: the Docker runtime suite (test/docker.e2e-spec.ts) is SKIPPED. ' +
      'Nothing about node containers was tested. ***\n',
  );
}
const suite = SKIP ? describe.skip : describe;

const BASE_IMAGE = 'kubesim-base:offline';
const NODE_IMAGE = 'kubesim-node:test';
const NODES = ['dke-a', 'dke-b'];
const STRAY = 'kubesim-node-dke-stray';
const FOREIGN = 'kubesim-node-dke-foreign';
const SUITE_CONTAINERS = [...NODES.map((n) => `kubesim-node-${n}`), STRAY, FOREIGN];
const ROOT = join(__dirname, '..');

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

/** The container's id, or null when there is none. */
async function containerId(name: string): Promise<string | null> {
  return docker('inspect', '--format', '{{.Id}}', name).catch(() => null);
}

async function removeSuiteContainers(): Promise<void> {
  for (const name of SUITE_CONTAINERS) {
    if (await containerId(name)) await docker('rm', '-f', '-v', name).catch(() => undefined);
  }
}

const why = (err: unknown) =>
  ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').pop();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

suite('docker runtime (real engine, host network)', () => {
  let t: TestApp;
  let env: Record<string, string>;
  /** when the app last started: the monitor declares nothing failed for one timeout after that */
  let bootedAt = 0;
  const timings: Record<string, number[]> = {
    'POST /nodes → healthy': [],
    'outside kill/stop → NodeFailed': [],
  };

  const node = async (name: string) => (await t.http.get(`/nodes/${name}`).expect(200)).body;
  const podOf = async (name: string) => (await t.http.get(`/pods/${name}`).expect(200)).body;
  const events = async (
    reason: string,
    object: string,
  ): Promise<Array<{ message: string; created_at: string }>> =>
    (await t.http.get(`/events?reason=${reason}&object=${object}&limit=1000`).expect(200)).body;
  const healthy = (name: string, timeoutMs = 60_000) =>
    waitFor(
      `${name} healthy`,
      async () => (await node(name)).health_status === 'healthy',
      timeoutMs,
      100,
    );

  /** Kills or stops a node's container the way an operator would, and waits for the failure path. */
  async function failFromOutside(
    command: 'kill' | 'stop',
    victim: string,
    survivor: string,
  ): Promise<void> {
    const grace = bootedAt + Number(env.NODE_FAILURE_TIMEOUT_MS) + 500 - Date.now();
    if (grace > 0) await new Promise((resolve) => setTimeout(resolve, grace));
    const before = await containerId(`kubesim-node-${victim}`);
    const failedBefore = (await events('NodeFailed', `node/${victim}`)).length;
    const started = Date.now();
    await docker(command, `kubesim-node-${victim}`);
    const failed = await waitFor(`NodeFailed for ${victim}`, async () => {
      const list = await events('NodeFailed', `node/${victim}`);
      return list.length > failedBefore ? list[0] : null;
    });
    timings['outside kill/stop → NodeFailed'].push(new Date(failed.created_at).getTime() - started);
    // seen through Docker events, not the heartbeat timeout
    expect(failed.message).toMatch(/its agent/);
    await waitFor(`dke-p1 moved to ${survivor}`, async () => {
      const p = await podOf('dke-p1');
      return p.node_name === survivor && p.status === 'running';
    });
    // its containers follow what the new node reports
    await waitFor(`dke-p1's containers running on ${survivor}`, async () =>
      (await podOf('dke-p1')).containers.every((c: { status: string }) => c.status === 'running'),
    );
    await healthy(victim);
    expect(await containerId(`kubesim-node-${victim}`)).not.toBe(before);
  }

  beforeAll(async () => {
    try {
      await docker('info', '--format', '{{.ServerVersion}}');
    } catch (err) {
      throw new Error(
        `No Docker engine answers (docker info: ${why(err)}). ` +
          'Start one with scripts/ci/ensure-docker.sh, or set KUBESIM_SKIP_DOCKER=1 to skip this suite on purpose.',
      );
    }
    await removeSuiteContainers();
    await run('bash', [join(ROOT, 'scripts/ci/build-offline-base-image.sh'), BASE_IMAGE], {
      timeout: 300_000,
    });
    // the runtime must build its image on first use
    await docker('image', 'rm', '-f', NODE_IMAGE).catch(() => undefined);
    const port = String(await freePort());
    env = {
      PORT: port,
      RUNTIME: 'docker',
      KUBESIM_DOCKER_NETWORK: 'host',
      KUBESIM_NODE_BASE_IMAGE: BASE_IMAGE,
      KUBESIM_NODE_IMAGE: NODE_IMAGE,
      KUBESIM_API_URL: `http://127.0.0.1:${port}`,
      KUBESIM_LOOPS: 'on',
      HEARTBEAT_INTERVAL_MS: '500',
      NODE_FAILURE_TIMEOUT_MS: '3000',
      MONITOR_INTERVAL_MS: '250',
      RECOVERY_BACKOFF_MS: '200',
    };
    t = await startTestApp(env);
    bootedAt = Date.now();
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    await removeSuiteContainers();
    console.log(
      `docker runtime timings (ms, median of n): ${Object.entries(timings)
        .filter(([, xs]) => xs.length)
        .map(([what, xs]) => `${what} ${median(xs)} (n=${xs.length}: ${xs.join(', ')})`)
        .join('; ')}`,
    );
  }, 120_000);

  it('runs each node in a labelled container that turns the node healthy with its heartbeats', async () => {
    for (const name of NODES) {
      const started = Date.now();
      const { body } = await t.http.post('/nodes').send({ name, cpu_cores: 2 }).expect(201);
      const labels = JSON.parse(
        await docker('inspect', '--format', '{{json .Config.Labels}}', `kubesim-node-${name}`),
      );
      const [{ value: clusterId }] = await t.sql<{ value: string }>(
        `SELECT value FROM settings WHERE key = 'cluster.id'`,
      );
      expect(labels).toMatchObject({
        'kubesim.managed': 'true',
        'kubesim.cluster': clusterId,
        'kubesim.node.id': String(body.id),
        'kubesim.node.name': name,
      });
      expect(
        await docker('inspect', '--format', '{{.State.Running}}', `kubesim-node-${name}`),
      ).toBe('true');
      await healthy(name);
      timings['POST /nodes → healthy'].push(Date.now() - started);
      const { body: beats } = await t.http.get(`/nodes/${name}/heartbeats`).expect(200);
      expect(beats.length).toBeGreaterThan(0);
    }
    expect(await docker('image', 'inspect', '--format', '{{.Id}}', NODE_IMAGE)).toMatch(/^sha256:/);
  }, 120_000);

  it('runs a pod that the agent reports running', async () => {
    const { body } = await t.http.post('/pods').send(pod('dke-p1', 1)).expect(201);
    expect(NODES).toContain(body.node_name);
    await waitFor('dke-p1 running', async () => (await podOf('dke-p1')).status === 'running');
  }, 60_000);

  it('fails a node killed from outside at once, moves its pod and restarts it', async () => {
    const victim = (await podOf('dke-p1')).node_name;
    await failFromOutside(
      'kill',
      victim,
      NODES.find((n) => n !== victim)!,
    );
  }, 120_000);

  it('treats a docker stop from outside as a failure too', async () => {
    const victim = (await podOf('dke-p1')).node_name;
    await failFromOutside(
      'stop',
      victim,
      NODES.find((n) => n !== victim)!,
    );
  }, 120_000);

  it('restarts a node through the API in a new container', async () => {
    const before = await containerId('kubesim-node-dke-a');
    await t.http.post('/nodes/dke-a/restart').expect(200);
    const after = await containerId('kubesim-node-dke-a');
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
    await healthy('dke-a');
  }, 60_000);

  it('reconciles on boot: recreates a missing container and removes one no node owns', async () => {
    const [{ value: clusterId }] = await t.sql<{ value: string }>(
      `SELECT value FROM settings WHERE key = 'cluster.id'`,
    );
    await t.close();
    await docker('rm', '-f', '-v', 'kubesim-node-dke-b');
    const idle = (name: string, cluster: string) =>
      docker(
        'run',
        '-d',
        '--name',
        name,
        '--network',
        'none',
        '--label',
        'kubesim.managed=true',
        '--label',
        `kubesim.cluster=${cluster}`,
        '--label',
        'kubesim.node.id=987654',
        '--label',
        'kubesim.node.name=dke-stray',
        BASE_IMAGE,
        'node',
        '-e',
        'setInterval(() => {}, 1e6)',
      );
    await idle(STRAY, clusterId);
    // another kubesim's container on the same engine is none of this cluster's business
    await idle(FOREIGN, 'another-cluster');
    t = await startTestApp(env, { databaseUrl: t.databaseUrl });
    bootedAt = Date.now();
    // reconciliation runs while the app boots
    expect(await containerId(STRAY)).toBeNull();
    expect(await containerId(FOREIGN)).toBeTruthy();
    await docker('rm', '-f', '-v', FOREIGN);
    expect(await containerId('kubesim-node-dke-b')).toBeTruthy();
    await healthy('dke-b');
    await healthy('dke-a');
    const relaunched = async (name: string) =>
      (await events('NodeRestarting', `node/${name}`)).filter((e) =>
        /not running when the server started/.test(e.message),
      );
    expect(await relaunched('dke-b')).toHaveLength(1);
    // the running container was kept, with the token it had
    expect(await relaunched('dke-a')).toHaveLength(0);
  }, 180_000);

  it('removes the container with the node', async () => {
    for (const name of NODES) {
      await t.http.delete(`/nodes/${name}`).expect(200);
      expect(await containerId(`kubesim-node-${name}`)).toBeNull();
    }
    const { body } = await t.http.get('/pods/dke-p1').expect(200);
    expect(body.status).toBe('pending');
  }, 60_000);
});
