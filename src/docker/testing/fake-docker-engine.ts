import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ConsoleLogger, Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { AppConfig, loadConfig } from '../../config/app-config';
import { AgentExit, AgentSpec } from '../../runtimes/node-runtime';
import { DockerEngine, EngineContainer } from '../docker-engine';
import { DockerRuntime } from '../docker.runtime';

/** The Docker runtime's unit tests: an in-memory engine, and a runtime over it. */

export const engineError = (statusCode: number, message: string) =>
  Object.assign(new Error(`(HTTP code ${statusCode}) ${message}`), {
    statusCode,
    json: { message },
  });
export const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
/** lets stream callbacks and pending promises run */
export const flush = () => new Promise((resolve) => setImmediate(resolve));

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
export class FakeEngine implements DockerEngine {
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

export const spec = (extra: Partial<AgentSpec> = {}): AgentSpec => ({
  id: 7,
  name: 'worker-a',
  nodeType: 'worker',
  cpuCores: 1.5,
  memoryMb: null,
  token: 'tok-1',
  ...extra,
});

/**
 * A Docker runtime over a FakeEngine, in a throwaway project root that holds the node
 * agent's Dockerfile and its compiled entry point, with the unexpected exits it reports:
 * `setUp` before each test, `tearDown` after. Logs are silenced meanwhile.
 */
export class FakeDockerRuntime {
  root = '';
  engine = new FakeEngine();
  exits: AgentExit[] = [];
  private started: DockerRuntime | null = null;

  get runtime(): DockerRuntime {
    if (!this.started) throw new Error('the runtime is not started: call start() first');
    return this.started;
  }

  setUp(): void {
    Logger.overrideLogger(false);
    this.root = mkdtempSync(join(tmpdir(), 'kubesim-docker-spec-'));
    mkdirSync(join(this.root, 'node-simulator', 'dist'), { recursive: true });
    writeFileSync(
      join(this.root, 'node-simulator', 'Dockerfile'),
      'ARG NODE_IMAGE=node:20-bookworm-slim\nFROM ${NODE_IMAGE}\nCOPY dist/ /app/dist/\n',
    );
    writeFileSync(join(this.root, 'node-simulator', 'dist', 'main.js'), '');
    this.engine = new FakeEngine();
    this.started = null;
  }

  config(env: Record<string, string> = {}): AppConfig {
    return loadConfig({
      KUBESIM_DOCKER_NETWORK: 'host',
      KUBESIM_DOCKER_TIMEOUT_MS: '1000',
      ...env,
    });
  }

  /** The runtime as the server makes it. */
  async start(env: Record<string, string> = {}): Promise<DockerRuntime> {
    this.started = await DockerRuntime.create(this.config(env), this.root, {
      api: this.engine,
      streams: this.engine,
    });
    this.exits = [];
    this.started.onUnexpectedExit((exit) => this.exits.push(exit));
    await flush();
    return this.started;
  }

  async tearDown(): Promise<void> {
    await this.started?.shutdown();
    rmSync(this.root, { recursive: true, force: true });
    Logger.overrideLogger(new ConsoleLogger());
  }
}
