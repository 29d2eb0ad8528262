import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/database/embedded-postgres';
import { FAST } from './setup/cluster';
import {
  createTestDatabase,
  healthyNode,
  pod,
  startTestApp,
  TestApp,
  waitFor,
} from './setup/test-app';

const CLI = join(__dirname, '..', 'dist', 'cli', 'main.js');
const workDir = mkdtempSync(join(tmpdir(), 'kubesim-cli-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The built `kubesim` CLI as a user runs it, against `server`. */
class CliProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(server: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], {
      // a simulated fleet keeps its agents' folders under ./data
      cwd: workDir,
      env: { PATH: process.env.PATH, KUBESIM_SERVER: server, NO_COLOR: '1', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Ctrl-C */
  interrupt(): void {
    this.child.kill('SIGINT');
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  async until(what: string, probe: (cli: this) => boolean, timeoutMs = 30000): Promise<void> {
    try {
      await waitFor(what, async () => probe(this), timeoutMs);
    } catch (err) {
      // what the CLI had printed by then tells why
      const tail = (text: string) => JSON.stringify(text.slice(-500));
      throw new Error(
        `${(err as Error).message} (stdout: ${tail(this.stdout)}, stderr: ${tail(this.stderr)})`,
      );
    }
  }
}

/** Runs the CLI to its end. */
async function runCli(server: string, args: string[], env: Record<string, string> = {}) {
  const cli = new CliProcess(server, args, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

describe('the kubesim CLI against a real server', () => {
  const running: CliProcess[] = [];
  const started = (cli: CliProcess) => (running.push(cli), cli);
  afterEach(() => running.splice(0).forEach((cli) => cli.kill()));

  describe('events --watch', () => {
    let t: TestApp | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('survives a server restart: says it reconnects, then prints the later events once', async () => {
      const port = String(await freePort());
      const databaseUrl = await createTestDatabase();
      t = await startTestApp({ PORT: port }, { databaseUrl });
      await healthyNode(t, 'watch-node', 4);
      await t.http.post('/pods').send(pod('before-restart', 0.1)).expect(201);

      const cli = started(new CliProcess(t.baseUrl, ['events', '--watch']));
      await cli.until('the event from before the restart', (c) =>
        c.stdout.includes('pod/before-restart'),
      );

      await t.close();
      t = undefined;
      await cli.until('the CLI to say it reconnects', (c) => c.stderr.includes('reconnecting'));
      expect(cli.stderr).toMatch(/lost the event stream from kubesim at .*; reconnecting in/);

      t = await startTestApp({ PORT: port }, { databaseUrl });
      // made at once: before or after the CLI is back, it must be printed
      await t.http.post('/pods').send(pod('after-restart', 0.1)).expect(201);
      await cli.until('the event from after the restart', (c) =>
        c.stdout.includes('pod/after-restart'),
      );
      expect(cli.stderr).toContain('reconnected');
      await t.http.post('/pods').send(pod('after-reconnect', 0.1)).expect(201);
      await cli.until('a live event after the reconnection', (c) =>
        c.stdout.includes('pod/after-reconnect'),
      );
      expect(count(cli.stdout, 'pod/before-restart')).toBe(1);
      expect(count(cli.stdout, 'pod/after-restart')).toBe(1);

      cli.interrupt();
      expect(await cli.exited).toBe(0);
    });
  });

  describe('launch-pod -f examples/pod.yaml', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
      await healthyNode(t, 'example-node', 4);
    });
    afterAll(() => t.close());

    it('creates the example pod as the file describes it', async () => {
      const example = join(__dirname, '..', 'examples', 'pod.yaml');
      const result = await runCli(t.baseUrl, ['launch-pod', '-f', example]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^pod\/web created \(id \d+\): scheduled on node example-node/);

      const { body: web } = await t.http.get('/pods/web').expect(200);
      expect(web.cpu_cores_req).toBe(0.75);
      expect(web.containers.map((c: { name: string }) => c.name)).toEqual(['nginx', 'log-shipper']);
      expect(web.volumes).toEqual([
        { name: 'cache', type: 'emptyDir', size: null, path: null },
        { name: 'settings', type: 'configMap', size: 0, path: '/etc/nginx/conf.d' },
      ]);
      expect(web.config.map((c: { key: string }) => c.key)).toEqual(['LOG_LEVEL', 'default.conf']);
    });
  });

  describe('simulate and reset', () => {
    let t: TestApp;
    beforeAll(async () => {
      // the monitor on, with fast timings: a node left silent would soon be failed
      t = await startTestApp({ ...FAST });
    });
    afterAll(() => t.close());

    const simNodes = async () =>
      (await t.http.get('/nodes?limit=1000')).body.filter((n: { name: string }) =>
        n.name.startsWith('sim-e2e-'),
      ) as Array<{ name: string; health_status: string; heartbeat_count?: number }>;
    const allHealthy = async () => {
      const nodes = await simNodes();
      return nodes.length === 3 && nodes.every((n) => n.health_status === 'healthy');
    };
    const simulate = (...extra: string[]) =>
      started(
        new CliProcess(t.baseUrl, [
          'simulate',
          '--nodes',
          '3',
          '--cpus',
          '1',
          '--prefix',
          'sim-e2e',
          '--interval',
          '300',
          ...extra,
        ]),
      );

    it('on Ctrl-C deletes its nodes; their pods wait for another node', async () => {
      const fleet = simulate();
      await waitFor('3 healthy simulated nodes', allHealthy);
      const { body: placed } = await t.http.post('/pods').send(pod('on-sim', 0.5)).expect(201);
      expect(placed.node_name).toMatch(/^sim-e2e-/);

      fleet.interrupt();
      expect(await fleet.exited).toBe(0);
      expect(await simNodes()).toEqual([]);
      expect(fleet.stdout).toContain('fleet: 3 nodes deleted');
      const { body: waiting } = await t.http.get('/pods/on-sim').expect(200);
      expect(waiting).toMatchObject({ status: 'pending', node_name: null });
    });

    it('--keep stops them instead; a rerun with the same names takes them over', async () => {
      const kept = simulate('--keep');
      await waitFor('3 healthy simulated nodes', allHealthy);
      kept.interrupt();
      expect(await kept.exited).toBe(0);
      const stopped = await simNodes();
      expect(stopped.map((n) => n.health_status)).toEqual(['stopped', 'stopped', 'stopped']);

      const rerun = simulate();
      await waitFor('the same 3 nodes healthy again', allHealthy);
      expect(rerun.stdout).toContain('3 existing nodes taken over');
      expect(rerun.stdout).not.toContain('skipped');
      // the pod left waiting by the first test finds room on them again
      await waitFor('the waiting pod scheduled on a simulated node', async () => {
        const { body } = await t.http.get('/pods/on-sim');
        return typeof body.node_name === 'string' && body.node_name.startsWith('sim-e2e-');
      });
      rerun.interrupt();
      expect(await rerun.exited).toBe(0);
      expect(await simNodes()).toEqual([]);
    });

    it('reset refuses without --yes when not on a terminal, and deletes every node and pod with it', async () => {
      await healthyNode(t, 'reset-node', 2, { agent: 'external' });
      await t.http.post('/pods').send(pod('reset-pod', 0.5)).expect(201);
      const countAll = async () =>
        (await t.http.get('/nodes')).body.length + (await t.http.get('/pods')).body.length;
      const before = await countAll();
      expect(before).toBeGreaterThanOrEqual(3);

      const refused = await runCli(t.baseUrl, ['reset']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/pass --yes to confirm/);
      expect(await countAll()).toBe(before);

      const done = await runCli(t.baseUrl, ['reset', '--yes']);
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/^deleted \d+ pods? and \d+ nodes?\n$/);
      expect(await countAll()).toBe(0);
    });
  });
});

describe('the kubesim CLI in a pipeline', () => {
  it('ends quietly when its reader closes first (kubesim … | head)', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], {
      env: { PATH: process.env.PATH, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // the reader is gone before the CLI writes a line
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
