import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig } from '../src/config/app-config';
import { freePort } from '../src/database/embedded-postgres';
import { chooseAuto } from '../src/runtimes/runtime.module';
import { FAST } from './setup/cluster';
import { createTestDatabase, startTestApp, TestApp, waitFor } from './setup/test-app';

/**
 * Which runtime the server picks, and what becomes of nodes another runtime started,
 * against a real engine. Containers use the host network (or none) and reach the API on
 * 127.0.0.1 only; a handful of containers, removed one at a time.
 */
const run = promisify(execFile);
const SKIP = process.env.KUBESIM_SKIP_DOCKER === '1';
if (SKIP) {
  console.warn(
    '\n*** KUBESIM_SKIP_DOCKER=1: test/runtime-choice.e2e-spec.ts is SKIPPED: RUNTIME=auto and ' +
      'runtime changes were not tested. ***\n',
  );
}
const suite = SKIP ? describe.skip : describe;
// each test starts one or two servers and real agents
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const BASE_IMAGE = 'kubesim-base:offline';
const NODE_IMAGE = 'kubesim-node:runtime-choice-test';
const NODES = ['rc-auto-none', 'rc-auto-host', 'rc-to-docker', 'rc-to-process'];

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { timeout: 60_000 });
  return stdout.trim();
}

async function container(node: string): Promise<{
  Id: string;
  State: { Running: boolean };
  HostConfig: { NetworkMode: string };
} | null> {
  const out = await docker('inspect', `kubesim-node-${node}`).catch(() => null);
  return out ? JSON.parse(out)[0] : null;
}

async function removeContainers(): Promise<void> {
  for (const node of NODES) {
    if (await container(node))
      await docker('rm', '-f', '-v', `kubesim-node-${node}`).catch(() => undefined);
  }
}

const why = (err: unknown) =>
  ((err as { stderr?: string }).stderr || (err as Error).message).trim().split('\n').pop();

suite('runtime choice and runtime changes (real engine)', () => {
  const apps: TestApp[] = [];

  /** The app with real agents, on loopback, with the image present. */
  async function start(env: Record<string, string>, databaseUrl?: string): Promise<TestApp> {
    const port = String(await freePort());
    const t = await startTestApp(
      {
        PORT: port,
        KUBESIM_API_URL: `http://127.0.0.1:${port}`,
        KUBESIM_NODE_IMAGE: NODE_IMAGE,
        KUBESIM_NODE_BASE_IMAGE: BASE_IMAGE,
        ...FAST,
        ...env,
      },
      { databaseUrl },
    );
    apps.push(t);
    return t;
  }

  async function stop(t: TestApp): Promise<void> {
    apps.splice(apps.indexOf(t), 1);
    await t.close();
  }

  /** what the nodes table holds about the node's runtime and heartbeats */
  const row = async (t: TestApp, name: string) =>
    (
      await t.sql<{ runtime: string; health_status: string; heartbeat_count: number }>(
        'SELECT runtime, health_status, heartbeat_count FROM nodes WHERE name = $1',
        [name],
      )
    )[0];

  /** healthy under `runtime`, with heartbeats beyond `after` (those of an agent it started) */
  const beatingUnder = (t: TestApp, name: string, runtime: string, after = 0) =>
    waitFor(
      `${name} healthy under the ${runtime} runtime`,
      async () => {
        const n = await row(t, name);
        return n.runtime === runtime && n.health_status === 'healthy' && n.heartbeat_count > after
          ? n
          : null;
      },
      60_000,
      100,
    );

  beforeAll(async () => {
    try {
      await docker('info', '--format', '{{.ServerVersion}}');
    } catch (err) {
      throw new Error(
        `No Docker engine answers (docker info: ${why(err)}). ` +
          'Start one with scripts/ci/ensure-docker.sh, or set KUBESIM_SKIP_DOCKER=1 to skip this suite on purpose.',
      );
    }
    await removeContainers();
    await run('bash', [join(ROOT, 'scripts/ci/build-offline-base-image.sh'), BASE_IMAGE], {
      timeout: 300_000,
    });
    // the image a user has once kubesim built it: what made RUNTIME=auto switch to Docker
    await run(
      'docker',
      [
        'build',
        '-q',
        '--build-arg',
        `NODE_IMAGE=${BASE_IMAGE}`,
        '-t',
        NODE_IMAGE,
        'node-simulator',
      ],
      { cwd: ROOT, timeout: 300_000, env: { ...process.env, DOCKER_BUILDKIT: '0' } },
    );
  }, 600_000);

  afterAll(async () => {
    for (const t of [...apps]) await t.close().catch(() => undefined);
    await removeContainers();
    await docker('image', 'rm', NODE_IMAGE).catch(() => undefined);
  }, 120_000);

  it('auto with the image present but no network reaching the API falls back to processes, says why, and its nodes turn healthy', async () => {
    // the `none` network has only the container's own loopback: nothing answers there
    const env = { RUNTIME: 'auto', KUBESIM_DOCKER_NETWORK: 'none' };
    const t = await start(env);
    const { body } = await t.http
      .post('/nodes')
      .send({ name: 'rc-auto-none', cpu_cores: 1 })
      .expect(201);
    expect(body.runtime).toBe('process');
    await beatingUnder(t, 'rc-auto-none', 'process');
    expect(await container('rc-auto-none')).toBeNull();

    // what the start-up log says: the probe's own finding
    const choice = await chooseAuto(
      loadConfig({ ...env, PORT: String(await freePort()), KUBESIM_NODE_IMAGE: NODE_IMAGE }),
    );
    expect(choice).toEqual({
      kind: 'process',
      why: expect.stringMatching(
        /node containers cannot reach the API at .*network none: .*ECONNREFUSED/,
      ),
    });
    await t.http.delete('/nodes/rc-auto-none').expect(200);
    await stop(t);
  });

  it('auto picks Docker on the host network when a container there reaches the API', async () => {
    const t = await start({ RUNTIME: 'auto' });
    const { body } = await t.http
      .post('/nodes')
      .send({ name: 'rc-auto-host', cpu_cores: 1 })
      .expect(201);
    expect(body.runtime).toBe('docker');
    await beatingUnder(t, 'rc-auto-host', 'docker');
    const c = await container('rc-auto-host');
    expect(c?.State.Running).toBe(true);
    expect(c?.HostConfig.NetworkMode).toBe('host');
    await t.http.delete('/nodes/rc-auto-host').expect(200);
    expect(await container('rc-auto-host')).toBeNull();
    await stop(t);
  });

  it('a node started as a process, found by a Docker server after a restart, gets a container and beats again', async () => {
    const databaseUrl = await createTestDatabase();
    const before = await start({ RUNTIME: 'process' }, databaseUrl);
    await before.http.post('/nodes').send({ name: 'rc-to-docker', cpu_cores: 1 }).expect(201);
    await beatingUnder(before, 'rc-to-docker', 'process');
    await stop(before);

    const t = await start({ RUNTIME: 'docker', KUBESIM_DOCKER_NETWORK: 'host' }, databaseUrl);
    const { heartbeat_count: count } = await row(t, 'rc-to-docker');
    await beatingUnder(t, 'rc-to-docker', 'docker', count);
    expect((await container('rc-to-docker'))?.State.Running).toBe(true);
    const { body: events } = await t.http
      .get('/events?reason=NodeRestarting&object=node/rc-to-docker')
      .expect(200);
    expect(events[0].message).toMatch(/started by the process runtime/);
    // the server manages it: a user's stop reaches the container
    await t.http.post('/nodes/rc-to-docker/stop').expect(200);
    await waitFor(
      'the container stopped',
      async () => (await container('rc-to-docker'))?.State.Running === false,
    );
    await t.http.delete('/nodes/rc-to-docker').expect(200);
    await stop(t);
  });

  it('a node started in a container, found by a process server after a restart, gets a child process and its container goes', async () => {
    const databaseUrl = await createTestDatabase();
    const before = await start({ RUNTIME: 'docker', KUBESIM_DOCKER_NETWORK: 'host' }, databaseUrl);
    await before.http.post('/nodes').send({ name: 'rc-to-process', cpu_cores: 1 }).expect(201);
    await beatingUnder(before, 'rc-to-process', 'docker');
    await stop(before);
    // containers outlive their server
    expect((await container('rc-to-process'))?.State.Running).toBe(true);

    const t = await start({ RUNTIME: 'process' }, databaseUrl);
    const { heartbeat_count: count } = await row(t, 'rc-to-process');
    const taken = await beatingUnder(t, 'rc-to-process', 'process', count);
    expect(taken.runtime).toBe('process');
    expect(await container('rc-to-process')).toBeNull();
    await t.http.post('/nodes/rc-to-process/stop').expect(200);
    await t.http.delete('/nodes/rc-to-process').expect(200);
    await stop(t);
  });
});
