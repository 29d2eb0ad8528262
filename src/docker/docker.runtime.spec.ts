import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ConsoleLogger, Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { AppConfig, loadConfig } from '../config/app-config';
import {
  buildContext,
  DockerEngine,
  DockerRuntime,
  DockerUnreachableError,
  EngineContainer,
} from './docker.runtime';
import { AgentExit, AgentSpec } from '../runtimes/node-runtime';

const engineError = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), {
    statusCode,
    json: { message },
  });
const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
/** lets stream callbacks and pending promises run */
const flush = () => new Promise((resolve) => setImmediate(resolve));

type State = 'created' | 'running' | 'paused' | 'exited';

class FakeContainer {
  state: State = 'created';
  constructor(
    readonly id: string,
    readonly name: string,
    readonly labels: Record<string, string>,
    readonly spec: Record<string, unknown>,
  ) {}
}

/** An in-memory engine that keeps Docker's rules the runtime relies on (a paused container must be unpaused first). */
class FakeEngine implements DockerEngine {
  readonly calls: string[] = [];
  readonly containers = new Map<string, FakeContainer>();
  readonly images = new Set<string>(['kubesim-node:latest']);
  readonly networks = ['bridge', 'host', 'none'];
  readonly streams: PassThrough[] = [];
  readonly eventOptions: unknown[] = [];
  readonly builds: Array<{ context: unknown; options: Record<string, unknown> }> = [];
  buildOutput: string[] = [
    '{"stream":"Step 1/4 : FROM base"}',
    '{"stream":"Successfully built abc"}',
  ];
  removing = 0;
  maxRemoving = 0;
  pingError: Error | null = null;
  hang = new Set<string>();
  /** the client's own reader of build output, as a real engine has */
  readonly modem = new Docker().modem;
  private next = 1;

  private async op<T>(name: string, body: () => T | Promise<T>): Promise<T> {
    this.calls.push(name);
    if (this.hang.has(name.split(' ')[0])) return new Promise<T>(() => undefined);
    return body();
  }

  find(ref: string): FakeContainer | undefined {
    return this.containers.get(ref) ?? [...this.containers.values()].find((c) => c.name === ref);
  }

  emit(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const line = JSON.stringify({
      Type: 'container',
      Action: action,
      Actor: { ID: c.id, Attributes: { ...c.labels, name: c.name, ...extra } },
      time: 1700000000,
    });
    for (const s of this.streams) if (!s.destroyed) s.write(`${line}\n`);
  }

  /** `docker kill` / `docker stop` typed by someone outside kubesim */
  outsideKill(name: string, signal = '9'): void {
    const c = this.find(name)!;
    this.emit(c, 'kill', { signal });
    c.state = 'exited';
    this.emit(c, 'die', { exitCode: signal === '9' ? '137' : '0' });
    if (signal === '15') this.emit(c, 'stop');
  }

  ping = () =>
    this.op('ping', () => {
      if (this.pingError) throw this.pingError;
      return 'OK';
    });
  info = () => this.op('info', () => ({ NCPU: 2, MemTotal: 4 * 1024 ** 3 }));
  listNetworks = (options?: { filters?: Record<string, string[]> }) =>
    this.op('listNetworks', () =>
      this.networks
        .filter((n) => n.includes(options?.filters?.name?.[0] ?? ''))
        .map((Name) => ({ Name })),
    );
  createNetwork = (options: { Name?: string }) =>
    this.op(`createNetwork ${options.Name}`, () => this.networks.push(options.Name!));
  listContainers = () =>
    this.op('listContainers', () =>
      [...this.containers.values()].map((c) => ({
        Id: c.id,
        Names: [`/${c.name}`],
        Labels: c.labels,
        State: c.state,
      })),
    );
  getImage = (name: string) => ({
    inspect: () =>
      this.op(`inspectImage ${name}`, () => {
        if (!this.images.has(name)) throw engineError(404, `No such image: ${name}`);
        return {};
      }),
  });
  createContainer = (options: Record<string, unknown>) =>
    this.op(`create ${options.name}`, () => {
      if (!this.images.has(options.Image as string))
        throw engineError(404, `No such image: ${options.Image}`);
      if (this.find(options.name as string))
        throw engineError(409, 'Conflict. The container name is already in use');
      const c = new FakeContainer(
        `c${this.next++}`,
        options.name as string,
        options.Labels as Record<string, string>,
        options,
      );
      this.containers.set(c.id, c);
      return this.getContainer(c.id);
    });
  buildImage = (context: unknown, options: Record<string, unknown>) =>
    this.op('build', () => {
      this.builds.push({ context, options });
      const stream = new PassThrough();
      setImmediate(() => {
        for (const line of this.buildOutput) stream.write(`${line}\n`);
        if (!this.buildOutput.some((l) => l.includes('"error"')))
          this.images.add(options.t as string);
        stream.end();
      });
      return stream;
    });
  getEvents = (options: unknown) =>
    this.op('events', () => {
      this.eventOptions.push(options);
      const stream = new PassThrough();
      this.streams.push(stream);
      return stream;
    });

  getContainer = (ref: string): EngineContainer & { id: string } => {
    const must = (what: string): FakeContainer => {
      const c = this.find(ref);
      if (!c) throw engineError(404, `No such container: ${ref}`);
      if (c.state === 'paused' && ['stop', 'kill', 'remove'].includes(what)) {
        throw engineError(
          409,
          `Container ${ref} is paused. Unpause the container before stopping or killing`,
        );
      }
      return c;
    };
    return {
      id: this.find(ref)?.id ?? ref,
      inspect: () =>
        this.op(`inspect ${ref}`, () => {
          const c = must('inspect');
          return {
            Id: c.id,
            State: {
              Running: c.state === 'running' || c.state === 'paused',
              Paused: c.state === 'paused',
              Status: c.state,
            },
          };
        }),
      start: () => this.op(`start ${ref}`, () => void (must('start').state = 'running')),
      stop: () =>
        this.op(`stop ${ref}`, () => {
          const c = must('stop');
          if (c.state !== 'running') throw engineError(304, 'container already stopped');
          this.emit(c, 'kill', { signal: '15' });
          c.state = 'exited';
          this.emit(c, 'die', { exitCode: '0' });
          this.emit(c, 'stop');
        }),
      kill: (options?: { signal?: string }) =>
        this.op(`kill ${ref} ${options?.signal ?? 'SIGKILL'}`, () => {
          const c = must('kill');
          if (c.state !== 'running') throw engineError(409, `Container ${ref} is not running`);
          const signal = options?.signal ?? 'SIGKILL';
          this.emit(c, 'kill', { signal: signal === 'SIGKILL' ? '9' : '10' });
          if (signal === 'SIGKILL') {
            c.state = 'exited';
            this.emit(c, 'die', { exitCode: '137' });
          }
        }),
      pause: () => this.op(`pause ${ref}`, () => void (must('pause').state = 'paused')),
      unpause: () => this.op(`unpause ${ref}`, () => void (must('unpause').state = 'running')),
      remove: async () => {
        this.removing++;
        this.maxRemoving = Math.max(this.maxRemoving, this.removing);
        try {
          await flush();
          return await this.op(`remove ${ref}`, () => {
            const c = must('remove');
            if (c.state === 'running') {
              this.emit(c, 'kill', { signal: '9' });
              this.emit(c, 'die', { exitCode: '137' });
            }
            this.containers.delete(c.id);
            this.emit(c, 'destroy');
          });
        } finally {
          this.removing--;
        }
      },
    };
  };
}

const spec = (extra: Partial<AgentSpec> = {}): AgentSpec => ({
  id: 7,
  name: 'worker-a',
  nodeType: 'worker',
  cpuCores: 1.5,
  memoryMb: null,
  token: 'tok-1',
  ...extra,
});

describe('DockerRuntime', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));
  let root: string;
  let engine: FakeEngine;
  let runtime: DockerRuntime;
  let exits: AgentExit[];

  const config = (env: Record<string, string> = {}): AppConfig =>
    loadConfig({ KUBESIM_DOCKER_NETWORK: 'host', KUBESIM_DOCKER_TIMEOUT_MS: '1000', ...env });
  const start = async (env: Record<string, string> = {}) => {
    runtime = await DockerRuntime.create(config(env), root, { api: engine, streams: engine });
    exits = [];
    runtime.onUnexpectedExit((exit) => exits.push(exit));
    await flush();
    return runtime;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'kubesim-docker-spec-'));
    mkdirSync(join(root, 'node-simulator', 'dist'), { recursive: true });
    writeFileSync(
      join(root, 'node-simulator', 'Dockerfile'),
      'ARG NODE_IMAGE=node:20-bookworm-slim\nFROM ${NODE_IMAGE}\nCOPY dist/ /app/dist/\n',
    );
    writeFileSync(join(root, 'node-simulator', 'dist', 'main.js'), '');
    engine = new FakeEngine();
  });

  afterEach(async () => {
    await runtime?.shutdown();
    jest.useRealTimers();
    rmSync(root, { recursive: true, force: true });
  });

  describe('availability', () => {
    it('is available when the engine answers a ping', async () => {
      expect(await DockerRuntime.unavailableReason(config(), engine)).toBeNull();
    });

    it.each([
      ['ENOENT', /no Docker engine socket/],
      ['ECONNREFUSED', /refused/],
      ['EACCES', /permission/],
    ])('says why when the socket fails with %s', async (code, why) => {
      engine.pingError = socketError(code);
      expect(await DockerRuntime.unavailableReason(config(), engine)).toMatch(why);
    });

    it('is not picked by auto when neither the node image nor its base is present (auto never pulls)', async () => {
      engine.images.clear();
      expect(await DockerRuntime.unavailableReason(config(), engine)).toMatch(
        /neither kubesim-node:latest nor its base node:20-bookworm-slim is present/,
      );
      engine.images.add('node:20-bookworm-slim');
      expect(await DockerRuntime.unavailableReason(config(), engine)).toBeNull();
    });

    it('gives up on a silent engine after 1.5 s', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      engine.hang.add('ping');
      const reason = DockerRuntime.unavailableReason(config(), engine);
      await jest.advanceTimersByTimeAsync(1500);
      expect(await reason).toMatch(/no answer/);
    });

    it('starts without an engine, fails each operation clearly until one answers, then works', async () => {
      engine.pingError = socketError('ECONNREFUSED');
      const runtime = await DockerRuntime.create(config(), root, { api: engine, streams: engine });
      const node = { id: 1, name: 'n1' };
      await expect(runtime.inspect(node)).rejects.toThrow(DockerUnreachableError);
      await expect(runtime.inspect(node)).rejects.toThrow(/the Docker engine is unreachable/);
      engine.pingError = null;
      expect(await runtime.inspect(node)).toBe('missing');
      await runtime.shutdown();
    });
  });

  describe('network', () => {
    it('creates a missing bridge network', async () => {
      await start({ KUBESIM_DOCKER_NETWORK: 'kubesim' });
      expect(engine.calls).toContain('createNetwork kubesim');
    });

    it('does not mistake a network whose name only contains it', async () => {
      engine.networks.push('kubesim-other', 'kubesim');
      await start({ KUBESIM_DOCKER_NETWORK: 'kubesim' });
      expect(engine.calls.filter((c) => c.startsWith('createNetwork'))).toEqual([]);
    });

    it('creates nothing for host networking', async () => {
      await start();
      expect(engine.calls).not.toContain('listNetworks');
    });
  });

  describe('launch', () => {
    it('starts a labelled container with the agent environment, sized within the host', async () => {
      await start();
      const id = await runtime.launch(spec({ cpuCores: 8, memoryMb: 4096 }));
      const c = engine.find('kubesim-node-worker-a')!;
      expect(id).toBe(c.id);
      expect(c.state).toBe('running');
      expect(c.labels).toEqual({
        'kubesim.managed': 'true',
        'kubesim.cluster': 'default',
        'kubesim.node.id': '7',
        'kubesim.node.name': 'worker-a',
      });
      expect(c.spec.Env).toEqual(
        expect.arrayContaining([
          'NODE_ID=7',
          'NODE_NAME=worker-a',
          'NODE_TYPE=worker',
          'API_SERVER=http://127.0.0.1:3000',
          'NODE_TOKEN=tok-1',
          'CPU_CORES=8',
          'HEARTBEAT_INTERVAL_MS=5000',
        ]),
      );
      expect(c.spec.HostConfig).toEqual({
        NanoCpus: 2e9, // 8 cores asked, the host has 2
        Memory: 4 * 1024 ** 3, // 4096 MB asked, within the host's 4 GB
        NetworkMode: 'host',
        RestartPolicy: { Name: 'no' },
        Init: false,
      });
    });

    it('asks for fractional CPU in nano-CPUs and no memory limit when none is set', async () => {
      await start();
      await runtime.launch(spec({ cpuCores: 0.5 }));
      expect(engine.find('kubesim-node-worker-a')!.spec.HostConfig).toMatchObject({
        NanoCpus: 5e8,
      });
      expect(engine.find('kubesim-node-worker-a')!.spec.HostConfig).not.toHaveProperty('Memory');
    });

    it('uses the named network for a bridge', async () => {
      await start({ KUBESIM_DOCKER_NETWORK: 'kubesim', KUBESIM_API_URL: 'http://api:3000' });
      await runtime.launch(spec());
      const c = engine.find('kubesim-node-worker-a')!;
      expect(c.spec.HostConfig).toMatchObject({ NetworkMode: 'kubesim' });
      expect(c.spec.Env).toContain('API_SERVER=http://api:3000');
    });

    it('replaces an old container of the same name without reporting its end', async () => {
      await start();
      const first = await runtime.launch(spec());
      const second = await runtime.launch(spec({ token: 'tok-2' }));
      await flush();
      expect(second).not.toBe(first);
      expect(engine.find(first!)).toBeUndefined();
      expect(engine.find('kubesim-node-worker-a')!.spec.Env).toContain('NODE_TOKEN=tok-2');
      expect(exits).toEqual([]);
    });

    it('removes a container that could not start', async () => {
      await start();
      engine.hang.add('start');
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const launch = runtime.launch(spec());
      const failed = expect(launch).rejects.toThrow(/Docker engine is unreachable/);
      await jest.advanceTimersByTimeAsync(1000);
      await failed;
      jest.useRealTimers();
      await flush();
      expect(engine.find('kubesim-node-worker-a')).toBeUndefined();
    });
  });

  describe('node image', () => {
    beforeEach(() => engine.images.clear());

    it('builds the image once for concurrent launches, on the configured base', async () => {
      await start({ KUBESIM_NODE_BASE_IMAGE: 'kubesim-base:offline' });
      await Promise.all([
        runtime.launch(spec()),
        runtime.launch(spec({ id: 8, name: 'worker-b' })),
      ]);
      expect(engine.builds).toHaveLength(1);
      expect(engine.builds[0].options).toMatchObject({
        t: 'kubesim-node:latest',
        dockerfile: 'Dockerfile',
        buildargs: { NODE_IMAGE: 'kubesim-base:offline' },
      });
      expect(engine.builds[0].context).toEqual({
        context: join(root, 'node-simulator'),
        src: ['Dockerfile', 'dist'],
      });
      expect(engine.containers.size).toBe(2);
    });

    it("turns a failed build into an error with the engine's words, and tries again next time", async () => {
      engine.buildOutput = [
        '{"stream":"Step 1/4 : FROM node:20-bookworm-slim"}',
        '{"errorDetail":{"message":"pull access denied for node"},"error":"pull access denied for node"}',
      ];
      await start();
      await expect(runtime.launch(spec())).rejects.toThrow(
        /building kubesim-node:latest failed: pull access denied for node/,
      );
      engine.buildOutput = ['{"stream":"Successfully built abc"}'];
      await expect(runtime.launch(spec())).resolves.toBeTruthy();
    });

    it('cuts a build under way on shutdown', async () => {
      engine.buildImage = () => Promise.resolve(new PassThrough());
      await start();
      const launch = runtime.launch(spec());
      await flush();
      await runtime.shutdown();
      await expect(launch).rejects.toThrow(/building kubesim-node:latest was interrupted/);
    });

    it('says so when the Dockerfile is missing', async () => {
      rmSync(join(root, 'node-simulator', 'Dockerfile'));
      await start();
      await expect(runtime.launch(spec())).rejects.toThrow(/Dockerfile is missing/);
    });

    it.each([
      ['COPY dist/ /app/dist/', 'node-simulator', 'Dockerfile', ['Dockerfile', 'dist']],
      [
        'COPY --chown=node:node dist /app/dist',
        'node-simulator',
        'Dockerfile',
        ['Dockerfile', 'dist'],
      ],
      [
        'COPY node-simulator/dist/ /app/dist/',
        '.',
        'node-simulator/Dockerfile',
        ['node-simulator/Dockerfile', 'node-simulator/dist'],
      ],
      ['COPY . /app', 'node-simulator', 'Dockerfile', ['.']],
      ['COPY dist/*.js /app/dist/', 'node-simulator', 'Dockerfile', ['Dockerfile', 'dist']],
    ])('sends the context %s needs', (line, dir, dockerfile, entries) => {
      mkdirSync(join(root, 'node-simulator', 'dist'), { recursive: true });
      const context = buildContext(root, `FROM x\n${line}\n`);
      expect(context).toEqual({ dir: join(root, dir), dockerfile, entries });
    });
  });

  describe('deaths', () => {
    it('reports a container killed from outside, once, with the node it ran', async () => {
      await start();
      await runtime.launch(spec());
      engine.outsideKill('kubesim-node-worker-a', '9');
      await flush();
      expect(exits).toEqual([
        {
          nodeId: 7,
          nodeName: 'worker-a',
          detail: expect.stringMatching(/SIGKILL.*137/),
          fromOutside: true,
        },
      ]);
    });

    it('reports a docker stop from outside as a failure too', async () => {
      await start();
      await runtime.launch(spec());
      engine.outsideKill('kubesim-node-worker-a', '15');
      await flush();
      expect(exits).toHaveLength(1);
      expect(exits[0].detail).toMatch(/SIGTERM/);
    });

    it.each([
      ['stop', (r: DockerRuntime) => r.stop(spec())],
      ['remove', (r: DockerRuntime) => r.remove(spec())],
      ['restart', (r: DockerRuntime) => r.restart(spec({ token: 'tok-2' }))],
      ['a simulated crash', (r: DockerRuntime) => r.fail(spec(), 'crash')],
    ])('does not report an end the server caused: %s', async (_what, act) => {
      await start();
      await runtime.launch(spec());
      await act(runtime);
      await flush();
      expect(exits).toEqual([]);
    });

    it('resubscribes when the event stream ends, replaying from the last event', async () => {
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      await start();
      await runtime.launch(spec());
      engine.streams[0].end();
      await flush();
      await jest.advanceTimersByTimeAsync(500);
      expect(engine.eventOptions).toHaveLength(2);
      expect(engine.eventOptions[1]).toMatchObject({ since: expect.any(Number) });
      engine.outsideKill('kubesim-node-worker-a');
      await flush();
      expect(exits).toHaveLength(1);
    });

    it('watches only kubesim containers and the events that can end them', async () => {
      await start();
      expect(engine.eventOptions[0]).toEqual({
        filters: {
          // this cluster's only: another kubesim may share the engine
          label: ['kubesim.managed=true', 'kubesim.cluster=default'],
          type: ['container'],
          event: ['die', 'stop', 'kill', 'oom', 'destroy'],
        },
      });
    });
  });

  describe('failure modes and states', () => {
    beforeEach(async () => {
      await start();
      await runtime.launch(spec());
    });

    it('crash kills the container', async () => {
      await runtime.fail(spec(), 'crash');
      expect(engine.calls).toContain('kill c1 SIGKILL');
      expect(await runtime.inspect(spec())).toBe('exited');
    });

    it('hang pauses it, and stop unpauses it first', async () => {
      await runtime.fail(spec(), 'hang');
      expect(await runtime.inspect(spec())).toBe('paused');
      await runtime.stop(spec());
      expect(await runtime.inspect(spec())).toBe('exited');
    });

    it('a hung container can still be crashed, or removed', async () => {
      await runtime.fail(spec(), 'hang');
      await runtime.fail(spec(), 'crash');
      expect(await runtime.inspect(spec())).toBe('exited');
      await runtime.launch(spec());
      await runtime.fail(spec(), 'hang');
      await runtime.remove(spec());
      expect(await runtime.inspect(spec())).toBe('missing');
    });

    it('partition sends SIGUSR1 and leaves the container running', async () => {
      await runtime.fail(spec(), 'partition');
      await flush();
      expect(engine.calls).toContain('kill c1 SIGUSR1');
      expect(await runtime.inspect(spec())).toBe('running');
      expect(exits).toEqual([]);
    });

    it('refuses to fail a node without a running agent', async () => {
      await runtime.stop(spec());
      await expect(runtime.fail(spec(), 'crash')).rejects.toThrow(/no running agent/);
    });

    it('stop keeps the container, remove deletes it, both idempotent', async () => {
      await runtime.stop(spec());
      await runtime.stop(spec());
      expect(await runtime.inspect(spec())).toBe('exited');
      await runtime.remove(spec());
      await runtime.remove(spec());
      expect(await runtime.inspect(spec())).toBe('missing');
    });

    it('shutdown leaves node containers running and stops watching', async () => {
      await runtime.shutdown();
      expect(await runtime.inspect(spec())).toBe('running');
      expect(engine.streams[0].destroyed).toBe(true);
    });
  });

  describe('reconcile', () => {
    it('removes orphans one at a time, keeps running agents and relaunches the others', async () => {
      await start();
      const node = (id: number, name: string, status = 'healthy') => ({ id, name, status });
      await runtime.launch(spec({ id: 1, name: 'running' }));
      await runtime.launch(spec({ id: 2, name: 'exited' }));
      await runtime.launch(spec({ id: 3, name: 'stray-a' }));
      await runtime.launch(spec({ id: 4, name: 'stray-b' }));
      await runtime.launch(spec({ id: 5, name: 'renamed' }));
      await runtime.launch(spec({ id: 6, name: 'stopped' }));
      await runtime.fail(spec({ id: 2, name: 'exited' }), 'crash');
      const relaunched: number[] = [];
      await runtime.reconcile(
        [
          node(1, 'running'),
          node(2, 'exited'),
          node(5, 'now-other'),
          node(6, 'stopped', 'stopped'),
          node(9, 'missing'),
          node(10, 'gone', 'permanently_failed'),
        ],
        async (id) => void relaunched.push(id),
      );
      expect(relaunched).toEqual([2, 5, 9]);
      expect([...engine.containers.values()].map((c) => `${c.name}:${c.state}`).sort()).toEqual([
        'kubesim-node-exited:exited',
        'kubesim-node-running:running',
        'kubesim-node-stopped:exited',
      ]);
      expect(engine.maxRemoving).toBe(1);
      await flush();
      expect(exits).toEqual([]);
    });

    it('goes on with the other nodes when one relaunch fails', async () => {
      await start();
      const relaunched: number[] = [];
      await runtime.reconcile(
        [
          { id: 1, name: 'a', status: 'healthy' },
          { id: 2, name: 'b', status: 'failed' },
        ],
        async (id) => {
          if (id === 1) throw new Error('boom');
          relaunched.push(id);
        },
      );
      expect(relaunched).toEqual([2]);
    });
  });

  describe('an unreachable engine', () => {
    it('turns a call that never answers into a clear error', async () => {
      await start();
      engine.hang.add('inspect');
      jest.useFakeTimers({ doNotFake: ['setImmediate'] });
      const stop = runtime.stop(spec());
      const failed = expect(stop).rejects.toThrow(
        /the Docker engine is unreachable: no answer \(inspect kubesim-node-worker-a did not answer within 1000 ms\)/,
      );
      await jest.advanceTimersByTimeAsync(1000);
      await failed;
    });

    it('turns a refused socket into the same error', async () => {
      await start();
      engine.getContainer = () => {
        throw socketError('ECONNREFUSED');
      };
      await expect(runtime.inspect(spec())).rejects.toThrow(
        /Docker engine is unreachable: the Docker engine refused the connection/,
      );
    });
  });
});
