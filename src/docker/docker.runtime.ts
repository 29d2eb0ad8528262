import { ConflictError } from '../common/errors';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { AppConfig } from '../config/app-config';
import { FailureMode } from '../domain/failure-mode';
import { AgentExit, AgentSpec, AgentState, NodeRuntime } from '../runtimes/node-runtime';
import { withDeadline } from './engine-deadline';

export const LABEL_MANAGED = 'kubesim.managed';
/** which kubesim cluster (database) a container belongs to: several may share an engine */
export const LABEL_CLUSTER = 'kubesim.cluster';
export const LABEL_NODE_ID = 'kubesim.node.id';
export const LABEL_NODE_NAME = 'kubesim.node.name';
export const CONTAINER_PREFIX = 'kubesim-node-';

const PING_TIMEOUT_MS = 1500;
const BUILD_TIMEOUT_MS = 10 * 60_000;
const COMPILE_TIMEOUT_MS = 5 * 60_000;
/** seconds `docker stop` leaves the agent for its last heartbeat before SIGKILL */
const STOP_GRACE_S = 2;
/** the agent's own process needs this much, whatever size the simulated node has */
const MIN_MEMORY_BYTES = 128 * 1024 * 1024;
const EVENTS_RETRY_MS = [500, 1000, 2000, 5000, 10_000];
/** where the agent keeps its pods' files: node-simulator/Dockerfile makes it and gives it to user node */
const CONTAINER_DATA_DIR = '/var/lib/kubesim-node';
/** container events that can mean an agent is gone */
const WATCHED_EVENTS = ['die', 'stop', 'kill', 'oom', 'destroy'];

/** The few dockerode calls the runtime makes, narrowed so unit tests can hand in a fake engine. */
export interface EngineContainer {
  id: string;
  inspect(): Promise<{ Id: string; State: { Running: boolean; Paused: boolean; Status: string } }>;
  start(): Promise<unknown>;
  stop(options?: { t?: number }): Promise<unknown>;
  kill(options?: { signal?: string }): Promise<unknown>;
  pause(): Promise<unknown>;
  unpause(): Promise<unknown>;
  remove(options?: { force?: boolean; v?: boolean }): Promise<unknown>;
}

export interface DockerEngine {
  ping(): Promise<unknown>;
  info(): Promise<{ NCPU?: number; MemTotal?: number }>;
  listNetworks(options?: { filters?: Record<string, string[]> }): Promise<Array<{ Name: string }>>;
  createNetwork(options: Docker.NetworkCreateOptions): Promise<unknown>;
  listContainers(options?: {
    all?: boolean;
    filters?: Record<string, string[]>;
  }): Promise<
    Array<{ Id: string; Names: string[]; Labels: Record<string, string>; State: string }>
  >;
  getContainer(id: string): EngineContainer;
  createContainer(options: Docker.ContainerCreateOptions): Promise<EngineContainer>;
  getImage(name: string): { inspect(): Promise<unknown> };
  buildImage(
    context: Docker.ImageBuildContext,
    options: Docker.ImageBuildOptions,
  ): Promise<NodeJS.ReadableStream>;
  getEvents(options: Docker.GetEventsOptions): Promise<NodeJS.ReadableStream>;
  /** the client's reader of a build's progress stream */
  modem: Pick<Docker['modem'], 'followProgress'>;
}

export interface DockerRuntimeOptions {
  /** project root: `node-simulator/` (Dockerfile, compiled agent) lives there */
  root: string;
  nodeImage: string;
  nodeBaseImage: string;
  /** a network name, or `host` */
  network: string;
  /** every engine call gets this long before it counts as unreachable */
  timeoutMs: number;
  apiUrl: string;
  heartbeatIntervalMs: number;
  /** the engine's host: containers never ask for more */
  hostCpus: number;
  hostMemoryBytes: number;
  /** this cluster's id: only its own containers are reconciled and watched */
  clusterId: string;
}

/** The engine did not answer: the API turns this, like any runtime error, into a 503. */
export class DockerUnreachableError extends Error {}

/** The URL node containers use to reach the API. Where that differs from the host's (a bridge network), the deployment sets KUBESIM_API_URL to a name the network resolves (compose: http://api:3000). */
export function agentApiUrl(config: Pick<AppConfig, 'apiUrl'>): string {
  return config.apiUrl;
}

export function containerName(nodeName: string): string {
  return `${CONTAINER_PREFIX}${nodeName}`;
}

/**
 * Node agents as Docker containers (`kubesim-node-<name>`, labelled with the node's id
 * and name), built from `node-simulator/` on first use. Containers outlive the server
 * on purpose: on boot `reconcile` keeps the running ones, recreates the missing ones
 * and removes those no node owns. Deaths nobody asked for arrive through Docker events.
 */
export class DockerRuntime implements NodeRuntime {
  readonly kind = 'docker' as const;
  readonly manages = true;
  private readonly logger = new Logger(DockerRuntime.name);
  private readonly listeners: Array<(exit: AgentExit) => void> = [];
  /** containers whose end the server caused (stop, restart, remove, simulated crash) */
  private readonly expected = new Set<string>();
  /** containers already reported as gone: an end brings several events */
  private readonly reported = new Set<string>();
  /** the last signal sent to a container from outside, for the report of its death */
  private readonly signals = new Map<string, string>();
  private image: Promise<void> | null = null;
  private events: NodeJS.ReadableStream | null = null;
  /** the output of a build under way, cut on shutdown */
  private build: NodeJS.ReadableStream | null = null;
  private eventsRetry: NodeJS.Timeout | null = null;
  private eventsFailures = 0;
  /** unix seconds of the last event seen: a new subscription replays from there */
  private eventsSince = 0;
  private closed = false;

  constructor(
    /** for ordinary calls: its socket timeout frees a jammed request */
    private readonly api: DockerEngine,
    /** for long streams (events, builds), which must not time out while idle */
    private readonly streams: DockerEngine,
    private readonly options: DockerRuntimeOptions,
  ) {}

  /**
   * Why RUNTIME=auto should not pick Docker, or null. Besides an engine that answers,
   * the node image must be there or buildable from a base image already present:
   * auto never pulls from a registry on its own.
   */
  static async unavailableReason(config: AppConfig, engine?: DockerEngine): Promise<string | null> {
    const docker: DockerEngine = engine ?? new Docker({ timeout: PING_TIMEOUT_MS });
    try {
      await withTimeout(docker.ping(), PING_TIMEOUT_MS, 'ping');
    } catch (err) {
      return describeEngineError(err);
    }
    if (await DockerRuntime.localImage(config, docker)) return null;
    return `the engine answers but neither ${config.nodeImage} nor its base ${config.nodeBaseImage} is present (docker pull ${config.nodeBaseImage}, or RUNTIME=docker to build anyway)`;
  }

  /** The node image if the engine has it, else its base if present, else null: either runs node. */
  static async localImage(config: AppConfig, engine?: DockerEngine): Promise<string | null> {
    const docker: DockerEngine = engine ?? new Docker({ timeout: PING_TIMEOUT_MS });
    for (const image of [config.nodeImage, config.nodeBaseImage]) {
      const present = await withTimeout(
        docker.getImage(image).inspect(),
        PING_TIMEOUT_MS,
        `inspect ${image}`,
      ).then(
        () => true,
        () => false,
      );
      if (present) return image;
    }
    return null;
  }

  /**
   * The runtime, ready once the engine answers. An engine that does not answer yet does
   * not stop the API from starting: every operation that needs it fails with the
   * engine's error (a 503) until it answers, and the runtime then sets itself up.
   */
  static async create(
    config: AppConfig,
    root: string,
    engines?: { api: DockerEngine; streams: DockerEngine },
    clusterId = 'default',
  ): Promise<DockerRuntime> {
    const api: DockerEngine = engines?.api ?? new Docker({ timeout: config.dockerTimeoutMs });
    const streams: DockerEngine = engines?.streams ?? new Docker();
    const runtime = new DockerRuntime(api, streams, {
      root,
      nodeImage: config.nodeImage,
      nodeBaseImage: config.nodeBaseImage,
      network: config.dockerNetwork,
      timeoutMs: config.dockerTimeoutMs,
      apiUrl: agentApiUrl(config),
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      hostCpus: 1,
      hostMemoryBytes: Number.MAX_SAFE_INTEGER,
      clusterId,
    });
    try {
      await runtime.ready();
    } catch (err) {
      runtime.logger.error(
        `${(err as Error).message}; node operations answer 503 until the engine answers`,
      );
    }
    return runtime;
  }

  private initialising: Promise<void> | null = null;

  /** Sets the runtime up on first need (and again after a failed try). */
  ready(): Promise<void> {
    if (!this.initialising) {
      this.initialising = this.initialise().catch((err) => {
        this.initialising = null;
        throw err;
      });
    }
    return this.initialising;
  }

  private async initialise(): Promise<void> {
    const timeoutMs = this.options.timeoutMs;
    try {
      await withTimeout(this.api.ping(), Math.min(timeoutMs, 5000), 'ping');
    } catch (err) {
      throw new DockerUnreachableError(
        `the Docker engine is unreachable: ${describeEngineError(err)}`,
      );
    }
    const info = await engineCall('info', () => this.api.info(), timeoutMs);
    this.options.hostCpus = info.NCPU && info.NCPU > 0 ? info.NCPU : 1;
    this.options.hostMemoryBytes =
      info.MemTotal && info.MemTotal > 0 ? info.MemTotal : Number.MAX_SAFE_INTEGER;
    await this.ensureNetwork();
    this.warnIfUnreachableApi();
    await this.watchEvents();
    // the first node should not wait for a build that could have run meanwhile
    this.ensureImage().catch((err) =>
      this.logger.warn(`node image not ready yet: ${(err as Error).message}`),
    );
  }

  async launch(spec: AgentSpec): Promise<string | null> {
    await this.ready();
    await this.ensureImage();
    const name = containerName(spec.name);
    await this.removeContainer(name);
    let container: EngineContainer;
    try {
      container = await this.call(`create ${name}`, () =>
        this.api.createContainer(this.containerSpec(spec)),
      );
    } catch (err) {
      if (!/no such image/i.test((err as Error).message)) throw err;
      // removed behind our back since it was checked: build it again, once
      this.image = null;
      await this.ensureImage();
      container = await this.call(`create ${name}`, () =>
        this.api.createContainer(this.containerSpec(spec)),
      );
    }
    try {
      await this.call(`start ${name}`, () => container.start());
    } catch (err) {
      await this.removeContainer(container.id).catch(() => undefined);
      throw err;
    }
    this.logger.log(`node ${spec.name}: container ${container.id.slice(0, 12)} started`);
    return container.id;
  }

  async stop(node: { id: number; name: string }): Promise<void> {
    await this.ready();
    const name = containerName(node.name);
    const state = await this.containerState(name);
    if (!state) return;
    this.expected.add(state.id);
    if (state.paused)
      await this.call(`unpause ${name}`, () => this.api.getContainer(state.id).unpause());
    if (!state.running && !state.paused) return;
    await this.call(
      `stop ${name}`,
      () => this.api.getContainer(state.id).stop({ t: STOP_GRACE_S }),
      this.options.timeoutMs + STOP_GRACE_S * 1000,
    ).catch(ignoreStatus(304, 404));
  }

  /** The old container goes at once (its token is void), a new one starts with the new token. */
  async restart(spec: AgentSpec): Promise<string | null> {
    return this.launch(spec);
  }

  async remove(node: { id: number; name: string }): Promise<void> {
    await this.stop(node);
    await this.removeContainer(containerName(node.name));
  }

  async inspect(node: { id: number; name: string }): Promise<AgentState> {
    await this.ready();
    const state = await this.containerState(containerName(node.name));
    if (!state) return 'missing';
    if (state.paused) return 'paused';
    return state.running ? 'running' : 'exited';
  }

  async fail(node: { id: number; name: string }, mode: FailureMode): Promise<void> {
    await this.ready();
    const name = containerName(node.name);
    const state = await this.containerState(name);
    if (!state || (!state.running && !state.paused))
      throw new ConflictError(`node ${node.name} has no running agent to make fail`);
    const container = this.api.getContainer(state.id);
    if (mode === 'crash') {
      // the monitor must find out through the missing heartbeats, as it would in a real cluster
      this.expected.add(state.id);
      if (state.paused) await this.call(`unpause ${name}`, () => container.unpause());
      await this.call(`kill ${name}`, () => container.kill({ signal: 'SIGKILL' })).catch(
        ignoreStatus(409),
      );
    } else if (mode === 'hang') {
      if (!state.paused) await this.call(`pause ${name}`, () => container.pause());
    } else {
      await this.call(`signal ${name}`, () => container.kill({ signal: 'SIGUSR1' }));
    }
  }

  onUnexpectedExit(listener: (exit: AgentExit) => void): void {
    this.listeners.push(listener);
  }

  async reconcile(
    nodes: Array<{ id: number; name: string; status: string }>,
    relaunch: (id: number) => Promise<void>,
  ): Promise<void> {
    await this.ready();
    const containers = await this.call('list containers', () =>
      this.api.listContainers({ all: true, filters: { label: this.ownLabels() } }),
    );
    const byNode = new Map<number, { id: string; state: string }>();
    // one at a time: the engine has jammed on many removals at once
    for (const c of containers) {
      const node = nodes.find((n) => String(n.id) === c.Labels[LABEL_NODE_ID]);
      const name = c.Names[0]?.replace(/^\//, '') ?? c.Id;
      if (node && name === containerName(node.name)) {
        byNode.set(node.id, { id: c.Id, state: c.State });
        continue;
      }
      this.logger.log(`removing container ${name}: no node of this cluster owns it`);
      await this.removeContainer(c.Id).catch((err) =>
        this.logger.warn(`could not remove orphan container ${name}: ${(err as Error).message}`),
      );
    }
    for (const node of nodes) {
      const container = byNode.get(node.id);
      if (['stopped', 'permanently_failed'].includes(node.status)) {
        // an agent the user stopped, or one given up on, does not run
        if (container?.state === 'running' || container?.state === 'paused') {
          await this.stop(node).catch((err) =>
            this.logger.warn(`stopping ${node.name}: ${(err as Error).message}`),
          );
        }
        continue;
      }
      // a running container keeps its token: the database still holds its hash
      if (container?.state === 'running') continue;
      try {
        await relaunch(node.id);
      } catch (err) {
        this.logger.warn(`could not relaunch the agent of ${node.name}: ${(err as Error).message}`);
      }
    }
  }

  /** Stops watching events. Node containers stay: the next server reconciles them. */
  async shutdown(): Promise<void> {
    this.closed = true;
    if (this.eventsRetry) clearTimeout(this.eventsRetry);
    this.eventsRetry = null;
    const events = this.events;
    this.events = null;
    destroyStream(events);
    destroyStream(this.build);
  }

  /** Builds the node image unless it exists; concurrent callers share one build. */
  ensureImage(): Promise<void> {
    if (!this.image) {
      this.image = this.prepareImage().catch((err) => {
        this.image = null;
        throw err;
      });
    }
    return this.image;
  }

  private async prepareImage(): Promise<void> {
    const { nodeImage } = this.options;
    try {
      await this.call(`inspect image ${nodeImage}`, () => this.api.getImage(nodeImage).inspect());
      return;
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    await this.buildImage();
  }

  private async buildImage(): Promise<void> {
    const { root, nodeImage, nodeBaseImage } = this.options;
    const agentDir = join(root, 'node-simulator');
    const dockerfile = join(agentDir, 'Dockerfile');
    if (!existsSync(dockerfile))
      throw new Error(`cannot build ${nodeImage}: ${dockerfile} is missing`);
    if (!existsSync(join(agentDir, 'dist', 'main.js'))) await compileAgent(root);
    const context = buildContext(root, readFileSync(dockerfile, 'utf8'));
    this.logger.log(`building ${nodeImage} from node-simulator/ on ${nodeBaseImage}`);
    const started = Date.now();
    const stream = await this.call(
      `build ${nodeImage}`,
      () =>
        this.streams.buildImage(
          { context: context.dir, src: context.entries },
          {
            t: nodeImage,
            dockerfile: context.dockerfile,
            buildargs: { NODE_IMAGE: nodeBaseImage },
            rm: true,
            forcerm: true,
          },
        ),
      BUILD_TIMEOUT_MS,
    );
    this.build = stream;
    try {
      await followBuild(
        this.streams.modem,
        stream,
        BUILD_TIMEOUT_MS - (Date.now() - started),
        nodeImage,
      );
    } finally {
      this.build = null;
    }
    this.logger.log(`built ${nodeImage} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  private containerSpec(spec: AgentSpec): Docker.ContainerCreateOptions {
    const { network, hostCpus, hostMemoryBytes } = this.options;
    const cpus = Math.min(spec.cpuCores, hostCpus);
    const memory = spec.memoryMb
      ? Math.min(Math.max(spec.memoryMb * 1024 * 1024, MIN_MEMORY_BYTES), hostMemoryBytes)
      : 0;
    return {
      name: containerName(spec.name),
      Image: this.options.nodeImage,
      Labels: {
        [LABEL_MANAGED]: 'true',
        [LABEL_CLUSTER]: this.options.clusterId,
        [LABEL_NODE_ID]: String(spec.id),
        [LABEL_NODE_NAME]: spec.name,
      },
      Env: [
        `NODE_ID=${spec.id}`,
        `NODE_NAME=${spec.name}`,
        `NODE_TYPE=${spec.nodeType}`,
        `API_SERVER=${this.options.apiUrl}`,
        `NODE_TOKEN=${spec.token}`,
        `CPU_CORES=${spec.cpuCores}`,
        `HEARTBEAT_INTERVAL_MS=${this.options.heartbeatIntervalMs}`,
        `DATA_DIR=${CONTAINER_DATA_DIR}`,
      ],
      HostConfig: {
        NanoCpus: Math.max(1, Math.round(cpus * 1e9)),
        ...(memory ? { Memory: Math.round(memory) } : {}),
        NetworkMode: network,
        RestartPolicy: { Name: 'no' },
        Init: false,
      },
    };
  }

  private async ensureNetwork(): Promise<void> {
    const { network } = this.options;
    if (network === 'host') return;
    const found = await this.call('list networks', () =>
      this.api.listNetworks({ filters: { name: [network] } }),
    );
    // the engine's name filter matches substrings
    if (found.some((n) => n.Name === network)) return;
    this.logger.log(`creating the Docker network ${network}`);
    await this.call(`create network ${network}`, () =>
      this.api.createNetwork({
        Name: network,
        Driver: 'bridge',
        CheckDuplicate: true,
        Labels: { [LABEL_MANAGED]: 'true' },
      }),
    ).catch(ignoreStatus(409));
  }

  private warnIfUnreachableApi(): void {
    if (this.options.network === 'host') return;
    const host = new URL(this.options.apiUrl).hostname;
    if (['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      this.logger.warn(
        `node containers on network ${this.options.network} cannot reach ${this.options.apiUrl}: ` +
          'set KUBESIM_API_URL to an address they can reach, or KUBESIM_DOCKER_NETWORK=host',
      );
    }
  }

  /** The container's state, or null when there is none. */
  private async containerState(
    ref: string,
  ): Promise<{ id: string; running: boolean; paused: boolean } | null> {
    try {
      const info = await this.call(`inspect ${ref}`, () => this.api.getContainer(ref).inspect());
      return {
        id: info.Id,
        running: info.State.Running && !info.State.Paused,
        paused: info.State.Paused,
      };
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  /** Removes a container (by name or id) if there is one, as an end the server caused. */
  private async removeContainer(ref: string): Promise<void> {
    const state = await this.containerState(ref);
    if (!state) return;
    this.expected.add(state.id);
    const container = this.api.getContainer(state.id);
    if (state.paused)
      await this.call(`unpause ${ref}`, () => container.unpause()).catch(ignoreStatus(409));
    await this.call(`remove ${ref}`, () => container.remove({ force: true, v: true })).catch(
      ignoreStatus(404),
    );
  }

  /** Subscribes to container events; resubscribes (replaying what was missed) when the stream ends. */
  /** Docker label filters (all must match) for the containers of this cluster. */
  private ownLabels(): string[] {
    return [`${LABEL_MANAGED}=true`, `${LABEL_CLUSTER}=${this.options.clusterId}`];
  }

  private async watchEvents(): Promise<void> {
    if (this.closed) return;
    this.eventsRetry = null;
    try {
      const stream = await this.call('watch events', () =>
        this.streams.getEvents({
          ...(this.eventsSince ? { since: this.eventsSince } : {}),
          filters: { label: this.ownLabels(), type: ['container'], event: WATCHED_EVENTS },
        }),
      );
      if (this.closed) return destroyStream(stream);
      this.events = stream;
      this.eventsFailures = 0;
      const lines = new LineReader((line) => this.onEvent(line));
      stream.on('data', (chunk: Buffer | string) => lines.push(chunk));
      let ended = false;
      const onEnd = (why: string) => {
        if (ended) return;
        ended = true;
        if (this.events !== stream || this.closed) return;
        this.events = null;
        this.eventsSince = this.eventsSince || Math.floor(Date.now() / 1000);
        this.logger.warn(`Docker event stream ended (${why}): resubscribing`);
        this.scheduleWatch();
      };
      stream.on('end', () => onEnd('end'));
      stream.on('close', () => onEnd('closed'));
      stream.on('error', (err: Error) => onEnd(err.message));
    } catch (err) {
      this.logger.warn(`cannot watch Docker events: ${(err as Error).message}`);
      this.scheduleWatch();
    }
  }

  private scheduleWatch(): void {
    if (this.closed || this.eventsRetry) return;
    const delay = EVENTS_RETRY_MS[Math.min(this.eventsFailures++, EVENTS_RETRY_MS.length - 1)];
    this.eventsRetry = setTimeout(() => void this.watchEvents(), delay);
    this.eventsRetry.unref();
  }

  private onEvent(line: string): void {
    let event: DockerEvent;
    try {
      event = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    if (event.time) this.eventsSince = Math.max(this.eventsSince, event.time);
    const id = event.Actor?.ID ?? event.id;
    const attributes = event.Actor?.Attributes ?? {};
    const action = event.Action ?? event.status;
    if (!id || !action) return;
    if (action === 'kill') {
      // only signals that end an agent: SIGUSR1/2 (partition) are the server's own and harmless
      if (attributes.signal && SIGNAL_NAMES[attributes.signal])
        this.signals.set(id, attributes.signal);
      return;
    }
    if (action === 'oom') {
      this.signals.set(id, 'oom');
      return;
    }
    if (action !== 'die' && action !== 'destroy' && action !== 'stop') return;
    const nodeId = Number(attributes[LABEL_NODE_ID]);
    const unexpected = !this.expected.has(id) && !this.reported.has(id) && Number.isInteger(nodeId);
    if (action === 'destroy') this.forget(id);
    if (!unexpected) return;
    this.reported.add(id);
    const detail = describeDeath(attributes.exitCode, this.signals.get(id), action);
    const nodeName = attributes[LABEL_NODE_NAME] ?? attributes.name ?? id.slice(0, 12);
    this.logger.warn(`agent of node ${nodeName} (container ${id.slice(0, 12)}) ${detail}`);
    const signal = this.signals.get(id);
    const fromOutside = action === 'destroy' || (signal !== undefined && signal !== 'oom');
    for (const listener of this.listeners) listener({ nodeId, nodeName, detail, fromOutside });
  }

  private forget(id: string): void {
    this.expected.delete(id);
    this.reported.delete(id);
    this.signals.delete(id);
  }

  private call<T>(what: string, op: () => Promise<T>, ms = this.options.timeoutMs): Promise<T> {
    return engineCall(what, op, ms);
  }
}

interface DockerEvent {
  status?: string;
  id?: string;
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

const SIGNAL_NAMES: Record<string, string> = {
  '1': 'SIGHUP',
  '2': 'SIGINT',
  '3': 'SIGQUIT',
  '6': 'SIGABRT',
  '9': 'SIGKILL',
  '15': 'SIGTERM',
};

function describeDeath(
  exitCode: string | undefined,
  signal: string | undefined,
  action: string,
): string {
  const code = exitCode !== undefined ? ` with code ${exitCode}` : '';
  if (signal === 'oom') return `was killed for lack of memory (exit${code})`;
  if (signal) {
    return `was sent ${SIGNAL_NAMES[signal] ?? `signal ${signal}`} from outside kubesim and exited${code}`;
  }
  if (action === 'destroy') return 'container was removed from outside kubesim';
  return `container exited${code} without kubesim asking`;
}

/** Splits a byte stream of newline-separated JSON into lines. */
class LineReader {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.onLine(line);
  }
}

/** One line of a build's output. */
interface BuildMessage {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Reads a build's output to the end with the client's own progress reader; an error line
 * becomes an Error with the engine's words.
 */
function followBuild(
  modem: DockerEngine['modem'],
  stream: NodeJS.ReadableStream,
  timeoutMs: number,
  image: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    let failure: string | null = null;
    let settled = false;
    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => {
      destroyStream(stream);
      finish(
        new DockerUnreachableError(
          `the Docker engine did not finish building ${image} within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    modem.followProgress(
      stream,
      (err) => {
        if (err) return finish(new Error(`building ${image}: ${err.message}`));
        // the reader takes a stream closed before its end (cut on shutdown, or by the engine) for its end
        if (!(stream as Readable).readableEnded)
          return finish(new Error(`building ${image} was interrupted`));
        if (failure) {
          const context = tail.length ? ` (last output: ${tail.join(' | ')})` : '';
          finish(new Error(`building ${image} failed: ${failure}${context}`));
        } else finish(null);
      },
      (message: BuildMessage) => {
        if (message.error || message.errorDetail?.message)
          failure = message.errorDetail?.message ?? message.error ?? null;
        if (message.stream?.trim()) {
          tail.push(message.stream.trim());
          if (tail.length > 8) tail.shift();
        }
      },
    );
  });
}

/**
 * What to send the engine: the Dockerfile and what its COPY/ADD lines name. The context is
 * `node-simulator/` unless the Dockerfile copies paths written from the project root.
 */
export function buildContext(
  root: string,
  dockerfileText: string,
): { dir: string; dockerfile: string; entries: string[] } {
  const sources: string[] = [];
  for (const raw of dockerfileText.split('\n')) {
    const match = /^\s*(?:COPY|ADD)\s+(.*)$/i.exec(raw);
    if (!match) continue;
    const words = match[1]
      .trim()
      .split(/\s+/)
      .filter((w) => !w.startsWith('--'));
    if (words[0]?.startsWith('[')) continue;
    sources.push(...words.slice(0, -1));
  }
  const fromRoot = sources.some((s) => s.replace(/^\.\//, '').startsWith('node-simulator/'));
  const dir = fromRoot ? root : join(root, 'node-simulator');
  const dockerfile = fromRoot ? 'node-simulator/Dockerfile' : 'Dockerfile';
  const entries = new Set<string>([dockerfile]);
  for (const source of sources) {
    const clean = source.replace(/^\.\//, '').replace(/\/+$/, '');
    // a glob is sent with the folder it sits in
    const path = /[*?[]/.test(clean)
      ? clean.split('/').slice(0, -1).join('/') || '.'
      : clean || '.';
    if (path === '.') return { dir, dockerfile, entries: ['.'] };
    if (existsSync(join(dir, path))) entries.add(path);
  }
  return { dir, dockerfile, entries: [...entries] };
}

/** Compiles the agent (`node-simulator/dist/`) the image copies. */
function compileAgent(root: string): Promise<void> {
  const localTsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const [command, args] = existsSync(localTsc)
    ? [process.execPath, [localTsc, '-p', 'node-simulator/tsconfig.json']]
    : ['npx', ['tsc', '-p', 'node-simulator/tsconfig.json']];
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: root, timeout: COMPILE_TIMEOUT_MS }, (err, stdout, stderr) => {
      if (err)
        reject(
          new Error(`compiling the node agent failed: ${(stderr || stdout || err.message).trim()}`),
        );
      else resolve();
    });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return withDeadline(
    promise,
    ms,
    () => new EngineTimeout(`${what} did not answer within ${ms} ms`),
  );
}

class EngineTimeout extends Error {}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** One engine call with a deadline; a silent or absent engine becomes DockerUnreachableError. */
async function engineCall<T>(what: string, op: () => Promise<T>, ms: number): Promise<T> {
  try {
    return await withTimeout(op(), ms, what);
  } catch (err) {
    if (isUnreachable(err))
      throw new DockerUnreachableError(
        `the Docker engine is unreachable: ${describeEngineError(err)} (${what})`,
      );
    const wrapped = new Error(`${what}: ${engineMessage(err)}`) as Error & { statusCode?: number };
    wrapped.statusCode = statusOf(err);
    throw wrapped;
  }
}

function isUnreachable(err: unknown): boolean {
  if (err instanceof EngineTimeout || err instanceof DockerUnreachableError) return true;
  const e = err as { code?: string; message?: string; statusCode?: number };
  if (e?.code && UNREACHABLE_CODES.has(e.code)) return true;
  return !e?.statusCode && /socket hang up|timeout/i.test(e?.message ?? '');
}

function describeEngineError(err: unknown): string {
  if (err instanceof EngineTimeout) return `no answer (${err.message})`;
  const e = err as { code?: string; address?: string; message?: string };
  if (e?.code === 'ENOENT')
    return `no Docker engine socket at ${e.address ?? '/var/run/docker.sock'}`;
  if (e?.code === 'EACCES') return `no permission on the Docker socket ${e.address ?? ''}`.trim();
  if (e?.code === 'ECONNREFUSED')
    return `the Docker engine refused the connection${e.address ? ` at ${e.address}` : ''}`;
  return engineMessage(err);
}

function engineMessage(err: unknown): string {
  const e = err as { json?: { message?: string }; reason?: string; message?: string };
  return e?.json?.message ?? e?.message ?? String(err);
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** Swallows the engine's answers that mean "already done" (304 not modified, 404 gone, 409 not running). */
function ignoreStatus(...codes: number[]): (err: unknown) => void {
  return (err) => {
    if (!codes.includes(statusOf(err) ?? 0)) throw err;
  };
}

function destroyStream(stream: NodeJS.ReadableStream | null): void {
  const s = stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
  s?.destroy?.();
}
