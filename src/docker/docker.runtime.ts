import { Logger } from '@nestjs/common';
import Docker from 'dockerode';
import { ConflictError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { FailureMode } from '../domain/failure-mode';
import { AgentExit, AgentSpec, AgentState, NodeRuntime } from '../runtimes/node-runtime';
import { ContainerDeathWatcher } from './death-watcher';
import {
  describeEngineError,
  DockerEngine,
  DockerEngineAdapter,
  EngineContainer,
  ignoreStatus,
  withTimeout,
} from './docker-engine';
import {
  clusterLabels,
  containerName,
  LABEL_MANAGED,
  LABEL_NODE_ID,
  NodeContainerSettings,
  nodeContainerSpec,
} from './node-container';
import { NodeImageBuilder, NodeImageOptions } from './node-image';

const PING_TIMEOUT_MS = 1500;
/** seconds `docker stop` leaves the agent for its last heartbeat before SIGKILL */
const STOP_GRACE_S = 2;

export interface DockerRuntimeOptions extends NodeImageOptions, NodeContainerSettings {
  /** every engine call gets this long before it counts as unreachable */
  timeoutMs: number;
}

/** The URL node containers use to reach the API. Where that differs from the host's (a bridge network), the deployment sets KUBESIM_API_URL to a name the network resolves (compose: http://api:3000). */
export function agentApiUrl(config: Pick<AppConfig, 'apiUrl'>): string {
  return config.apiUrl;
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
  private readonly engine: DockerEngineAdapter;
  private readonly image: NodeImageBuilder;
  private readonly deaths: ContainerDeathWatcher;

  constructor(
    /** for ordinary calls: its socket timeout frees a jammed request */
    api: DockerEngine,
    /** for long streams (events, builds), which must not time out while idle */
    streams: DockerEngine,
    private readonly options: DockerRuntimeOptions,
  ) {
    this.engine = new DockerEngineAdapter(api, streams, options.timeoutMs);
    this.image = new NodeImageBuilder(this.engine, options);
    this.deaths = new ContainerDeathWatcher(this.engine, options.clusterId);
  }

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
    await this.engine.ping();
    const info = await this.engine.call('info', () => this.engine.api.info());
    this.options.hostCpus = info.NCPU && info.NCPU > 0 ? info.NCPU : 1;
    this.options.hostMemoryBytes =
      info.MemTotal && info.MemTotal > 0 ? info.MemTotal : Number.MAX_SAFE_INTEGER;
    await this.ensureNetwork();
    this.warnIfUnreachableApi();
    await this.deaths.watch();
    // the first node should not wait for a build that could have run meanwhile
    this.image
      .ensure()
      .catch((err) => this.logger.warn(`node image not ready yet: ${(err as Error).message}`));
  }

  async launch(spec: AgentSpec): Promise<string | null> {
    await this.ready();
    await this.image.ensure();
    const name = containerName(spec.name);
    await this.removeContainer(name);
    const create = () =>
      this.engine.call(`create ${name}`, () =>
        this.engine.api.createContainer(nodeContainerSpec(spec, this.options)),
      );
    let container: EngineContainer;
    try {
      container = await create();
    } catch (err) {
      if (!/no such image/i.test((err as Error).message)) throw err;
      // removed behind our back since it was checked: build it again, once
      this.image.forget();
      await this.image.ensure();
      container = await create();
    }
    try {
      await this.engine.call(`start ${name}`, () => container.start());
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
    const state = await this.engine.containerState(name);
    if (!state) return;
    this.deaths.expectEnd(state.id);
    if (state.paused)
      await this.engine.call(`unpause ${name}`, () =>
        this.engine.api.getContainer(state.id).unpause(),
      );
    if (!state.running && !state.paused) return;
    await this.engine
      .call(
        `stop ${name}`,
        () => this.engine.api.getContainer(state.id).stop({ t: STOP_GRACE_S }),
        this.options.timeoutMs + STOP_GRACE_S * 1000,
      )
      .catch(ignoreStatus(304, 404));
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
    const state = await this.engine.containerState(containerName(node.name));
    if (!state) return 'missing';
    if (state.paused) return 'paused';
    return state.running ? 'running' : 'exited';
  }

  async fail(node: { id: number; name: string }, mode: FailureMode): Promise<void> {
    await this.ready();
    const name = containerName(node.name);
    const state = await this.engine.containerState(name);
    if (!state || (!state.running && !state.paused))
      throw new ConflictError(`node ${node.name} has no running agent to make fail`);
    const container = this.engine.api.getContainer(state.id);
    if (mode === 'crash') {
      // the monitor must find out through the missing heartbeats, as it would in a real cluster
      this.deaths.expectEnd(state.id);
      if (state.paused) await this.engine.call(`unpause ${name}`, () => container.unpause());
      await this.engine
        .call(`kill ${name}`, () => container.kill({ signal: 'SIGKILL' }))
        .catch(ignoreStatus(409));
    } else if (mode === 'hang') {
      if (!state.paused) await this.engine.call(`pause ${name}`, () => container.pause());
    } else {
      await this.engine.call(`signal ${name}`, () => container.kill({ signal: 'SIGUSR1' }));
    }
  }

  onUnexpectedExit(listener: (exit: AgentExit) => void): void {
    this.deaths.onUnexpectedExit(listener);
  }

  async reconcile(
    nodes: Array<{ id: number; name: string; status: string }>,
    relaunch: (id: number) => Promise<void>,
  ): Promise<void> {
    await this.ready();
    const containers = await this.engine.call('list containers', () =>
      this.engine.api.listContainers({
        all: true,
        filters: { label: clusterLabels(this.options.clusterId) },
      }),
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
    this.deaths.close();
    this.image.cancel();
  }

  private async ensureNetwork(): Promise<void> {
    const { network } = this.options;
    if (network === 'host') return;
    const found = await this.engine.call('list networks', () =>
      this.engine.api.listNetworks({ filters: { name: [network] } }),
    );
    // the engine's name filter matches substrings
    if (found.some((n) => n.Name === network)) return;
    this.logger.log(`creating the Docker network ${network}`);
    await this.engine
      .call(`create network ${network}`, () =>
        this.engine.api.createNetwork({
          Name: network,
          Driver: 'bridge',
          CheckDuplicate: true,
          Labels: { [LABEL_MANAGED]: 'true' },
        }),
      )
      .catch(ignoreStatus(409));
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

  /** Removes a container (by name or id) if there is one, as an end the server caused. */
  private async removeContainer(ref: string): Promise<void> {
    const state = await this.engine.containerState(ref);
    if (!state) return;
    this.deaths.expectEnd(state.id);
    const container = this.engine.api.getContainer(state.id);
    if (state.paused)
      await this.engine.call(`unpause ${ref}`, () => container.unpause()).catch(ignoreStatus(409));
    await this.engine
      .call(`remove ${ref}`, () => container.remove({ force: true, v: true }))
      .catch(ignoreStatus(404));
  }
}
