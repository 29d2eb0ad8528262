import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../src/database/embedded-postgres';
import { createTestDatabase, waitFor } from './setup/test-app';

/**
 * docker-compose.yml and the root Dockerfile. The file is validated by docker-compose 1.29
 * (what Debian has), which also builds the API image on the offline base image, as the
 * README's offline path does: this machine has no registry. The image then runs for real,
 * on host networking, since no traffic may go through compose's bridge network. Every engine call has a deadline; every container and
 * image made here is removed one at a time at the end.
 */
const ROOT = join(__dirname, '..');
const BASE_IMAGE = 'kubesim-base:offline';
const API_IMAGE = 'kubesim-api:compose-test';
const NODE_IMAGE = 'kubesim-node:compose-test';
const API_CONTAINER = 'kubesim-api-compose-test';
const NODE_NAME = 'compose-a';
const NODE_CONTAINER = `kubesim-node-${NODE_NAME}`;

function run(
  command: string,
  args: string[],
  options: { timeoutMs: number; env?: Record<string, string> },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: ROOT,
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...options.env },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const why = err.killed ? `no answer within ${options.timeoutMs} ms` : err.message;
        const tail = `${stderr}\n${stdout}`.trim().split('\n').slice(-20).join('\n');
        reject(new Error(`${command} ${args.join(' ')}: ${why}\n${tail}`));
      },
    );
  });
}

const docker = (args: string[], timeoutMs = 30000) => run('docker', args, { timeoutMs });

/** Why the engine does not answer, or null when it does. */
function engineProblem(): string | null {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], {
      timeout: 20000,
      stdio: 'pipe',
    });
    return null;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

const problem = engineProblem();
const skip = problem !== null && process.env.KUBESIM_SKIP_DOCKER === '1';

(skip ? describe.skip : describe)('docker compose: the compose file and the API image', () => {
  let apiUrl = '';

  beforeAll(async () => {
    if (problem) {
      throw new Error(
        `the Docker engine does not answer (${problem}): run scripts/ci/ensure-docker.sh, ` +
          'or set KUBESIM_SKIP_DOCKER=1 to skip the Docker suites',
      );
    }
    await run('bash', ['scripts/ci/ensure-docker-compose.sh'], { timeoutMs: 300000 });
    await run('bash', ['scripts/ci/build-offline-base-image.sh', BASE_IMAGE], {
      timeoutMs: 300000,
    });
  }, 600000);

  afterAll(async () => {
    // one at a time, each with its deadline, whatever state the tests left
    if (apiUrl) {
      await fetch(`${apiUrl}/nodes/${NODE_NAME}`, {
        method: 'DELETE',
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(30000),
      }).catch(() => undefined);
    }
    for (const container of [NODE_CONTAINER, API_CONTAINER]) {
      await docker(['rm', '-f', container]).catch(() => undefined);
    }
    for (const image of [NODE_IMAGE, API_IMAGE]) {
      await docker(['image', 'rm', image], 60000).catch(() => undefined);
    }
  }, 180000);

  it('docker-compose validates the file: postgres, the API on the named network, the node image', async () => {
    await run('docker-compose', ['config', '-q'], { timeoutMs: 30000 });
    const config = parse(await run('docker-compose', ['config'], { timeoutMs: 30000 }));
    expect(config.networks.default.name).toBe('kubesim');
    const { postgres, api } = config.services;
    expect(postgres.image).toBe('postgres:16-alpine');
    expect(postgres.healthcheck.test.join(' ')).toContain('pg_isready');
    expect(postgres.volumes[0]).toMatch(/^pgdata:/);
    expect(api.build.context).toBe(ROOT);
    expect(api.image).toBe('kubesim-api:latest');
    expect(api.depends_on.postgres.condition).toBe('service_healthy');
    expect(api.environment).toMatchObject({
      RUNTIME: 'docker',
      // kubesim listens on loopback unless told otherwise; in its container it must not
      HOST: '0.0.0.0',
      DATABASE_URL: expect.stringMatching(/^postgres:\/\/.*@postgres:5432\//),
      KUBESIM_DOCKER_NETWORK: config.networks.default.name,
      KUBESIM_API_URL: 'http://api:3000',
    });
    expect(api.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock:rw');
    expect(api.ports).toEqual([{ published: 3000, target: 3000 }]);
    // the API builds the node image itself, on first use, from its own copy of node-simulator/
    expect(api.environment.KUBESIM_NODE_IMAGE).toBe('kubesim-node:latest');
    expect(Object.keys(config.services).sort()).toEqual(['api', 'postgres']);
  });

  it('the API image, built offline, runs the API, which builds the node image and turns a node healthy', async () => {
    // the README's offline path: Debian's docker-compose 1.29 builds on a base image made here
    await run('docker-compose', ['build', 'api'], {
      timeoutMs: 600000,
      env: { NODE_IMAGE: BASE_IMAGE, KUBESIM_API_IMAGE: API_IMAGE, DOCKER_BUILDKIT: '0' },
    });

    const databaseUrl = await createTestDatabase();
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    await docker(['rm', '-f', API_CONTAINER]).catch(() => undefined);
    const env = {
      DATABASE_URL: databaseUrl,
      RUNTIME: 'docker',
      PORT: String(port),
      KUBESIM_API_URL: apiUrl,
      KUBESIM_DOCKER_NETWORK: 'host',
      KUBESIM_NODE_IMAGE: NODE_IMAGE,
      KUBESIM_NODE_BASE_IMAGE: BASE_IMAGE,
      HEARTBEAT_INTERVAL_MS: '500',
      NODE_FAILURE_TIMEOUT_MS: '5000',
    };
    await docker([
      'run',
      '-d',
      '--name',
      API_CONTAINER,
      '--network',
      'host',
      '-v',
      '/var/run/docker.sock:/var/run/docker.sock',
      ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      API_IMAGE,
    ]);

    const logs = () =>
      docker(['logs', '--tail', '30', API_CONTAINER]).catch((e: Error) => e.message);
    try {
      await waitFor(
        'the API in its container to be ready',
        async () => (await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(5000) })).ok,
        90000,
        500,
      );
      const created = await fetch(`${apiUrl}/nodes`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: NODE_NAME, cpu_cores: 1 }),
        // the first node waits for the node image to be built
        signal: AbortSignal.timeout(300000),
      });
      expect(created.status).toBe(201);
      expect((await created.json()).runtime).toBe('docker');
      await waitFor(
        `node ${NODE_NAME} healthy`,
        async () =>
          (await (await fetch(`${apiUrl}/nodes/${NODE_NAME}`)).json()).health_status === 'healthy',
        60000,
        500,
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\nlast lines of the API container:\n${await logs()}`,
      );
    }

    const [container] = JSON.parse(await docker(['inspect', NODE_CONTAINER]));
    expect(container.State.Running).toBe(true);
    expect(container.Config.Image).toBe(NODE_IMAGE);
    expect(container.Config.Labels).toMatchObject({
      'kubesim.managed': 'true',
      'kubesim.node.name': NODE_NAME,
    });
    expect(container.HostConfig.NetworkMode).toBe('host');

    const deleted = await fetch(`${apiUrl}/nodes/${NODE_NAME}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(60000),
    });
    expect(deleted.status).toBe(200);
    await expect(docker(['inspect', NODE_CONTAINER])).rejects.toThrow(/No such object/i);
  }, 900000);
});
