/**
 * Virtual-node fleets: registers N nodes through the API and runs one NodeAgent per
 * node in this process, their beats spread evenly over the interval. Used by
 * `main.js --fleet N` and by `kubesim simulate`.
 */
import { join } from 'node:path';
import { NodeAgent, NodeType } from './agent';
import { httpFetch } from './http-transport';
import { Logger, quietLogger, stdoutLogger } from './logger';
import { FleetExit, FleetNodesApi, STOP_CONCURRENCY } from './fleet-nodes-api';
import { forEachLimit } from './for-each-limit';
import { Clock, FetchLike, Random, systemClock, TimerHandle } from './runtime-deps';

export type { FleetExit } from './fleet-nodes-api';

export interface FleetOptions {
  /** how many nodes: named `{prefix}-1` … `{prefix}-{nodes}` */
  nodes: number;
  prefix: string;
  /** each node's CPU cores */
  cpus: number;
  apiServer: string;
  /** heartbeat interval; default 5000 ms */
  intervalMs?: number;
  nodeType?: NodeType;
  /** each node gets `{dataDir}/{name}`; default ./data */
  dataDir?: string;
  /** bearer token for POST /nodes when the API is guarded (KUBESIM_API_TOKEN) */
  apiToken?: string;
  /** log every agent's info lines too (pods started, …); otherwise warnings and a summary */
  verbose?: boolean;
  /** runFleet: aborting it stops the fleet; without it, SIGINT and SIGTERM do */
  signal?: AbortSignal;
  registrationConcurrency?: number;
  /** how often the one-line fleet summary is considered (printed when it changed) */
  summaryIntervalMs?: number;
  /**
   * A name that exists already as an external node (a rerun with the same names) is taken
   * over with a new heartbeat token instead of skipped; default off.
   */
  takeOver?: boolean;
  /**
   * What becomes of the fleet's nodes when it stops: `leave` them as they are (default; they
   * turn failed when their silence is noticed), `stop` them (status stopped, pods moved), or
   * `delete` them.
   */
  onStop?: FleetExit;
  /** each agent also holds an assignment watch (one open connection per agent); default off */
  watchAssignments?: boolean;
  containerStartDelayMs?: number;
  /** HTTP client; default node:http with keep-alive (global fetch fits too) */
  fetch?: FetchLike;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
}

export interface FleetStats {
  agents: number;
  /** running agents whose last heartbeat got an answer */
  reachable: number;
  stopped: number;
  pods: number;
  runningPods: number;
}

/** After this, agents still waiting to stop skip their last beat: a signal must end the fleet fast. */
const STOP_LAST_BEAT_WINDOW_MS = 3_000;

/**
 * Runs a fleet until it is over: until `signal` aborts (without one, SIGINT or SIGTERM;
 * a second signal then ends the process the default way) or every agent was told to go
 * by the API. Rejects when the fleet cannot start (see Fleet.start).
 */
export async function runFleet(options: FleetOptions): Promise<void> {
  const fleet = new Fleet(options);
  const { signal } = options;
  let detach: () => void;
  if (signal) {
    if (signal.aborted) return;
    const onAbort = (): void => void fleet.stop('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    detach = () => signal.removeEventListener('abort', onAbort);
  } else {
    const onSignal = (name: NodeJS.Signals): void => {
      detach();
      void fleet.stop(name);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    detach = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
  }
  try {
    await fleet.start();
    await fleet.done;
  } finally {
    detach();
  }
}

export class Fleet {
  readonly agents: NodeAgent[] = [];
  /** names not run: they existed already (409) and could not be taken over */
  readonly skipped: string[] = [];
  /** names that existed already and were taken over with a new token */
  readonly takenOver: string[] = [];
  /** every node this fleet runs, for what onStop does with them */
  private readonly nodes: Array<{ id: string; name: string }> = [];
  /** resolves when every agent has stopped */
  readonly done: Promise<void>;

  private readonly resolveDone: () => void;
  private started = false;
  private registered = false;
  private stopping: Promise<void> | undefined;
  private stopAllFinished = false;
  private summaryTimer: TimerHandle | undefined;
  private lastSummary = '';
  private readonly intervalMs: number;
  private readonly apiServer: string;
  private readonly fetchFn: FetchLike;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly agentLogger: Logger;
  private readonly nodesApi: FleetNodesApi;

  constructor(private readonly options: FleetOptions) {
    if (!Number.isSafeInteger(options.nodes) || options.nodes < 1)
      throw new RangeError('nodes must be ≥ 1');
    if (!(options.cpus > 0)) throw new RangeError('cpus must be > 0');
    if (options.intervalMs !== undefined && !(options.intervalMs > 0))
      throw new RangeError('intervalMs must be > 0');
    this.intervalMs = options.intervalMs ?? 5_000;
    this.apiServer = options.apiServer.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? httpFetch;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? stdoutLogger();
    this.agentLogger = options.verbose ? this.logger : quietLogger(this.logger);
    this.nodesApi = new FleetNodesApi(
      {
        apiServer: this.apiServer,
        apiToken: options.apiToken,
        cpus: options.cpus,
        nodeType: options.nodeType,
        takeOver: options.takeOver,
        fetch: this.fetchFn,
        clock: this.clock,
        logger: this.logger,
      },
      () => this.stopping !== undefined,
    );
    let resolveDone!: () => void;
    this.done = new Promise((resolve) => (resolveDone = resolve));
    this.resolveDone = resolveDone;
  }

  /**
   * Registers the nodes and starts an agent as each is registered. Resolves when all
   * are, or when stop() cut it short; rejects (after stopping what it started) when the
   * API refuses a registration other than with 409, stays unreachable, or every name
   * exists already.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('the fleet was already started');
    this.started = true;
    const { nodes: count, prefix } = this.options;
    this.logger.info(
      `fleet: registering ${count} ${this.options.nodeType ?? 'worker'} nodes ${prefix}-1…${prefix}-${count}`,
    );
    let fatal: string | undefined;
    await forEachLimit(count, this.options.registrationConcurrency ?? 16, async (i) => {
      if (this.stopping || fatal) return;
      const name = `${prefix}-${i + 1}`;
      const registration = await this.nodesApi.register(name);
      if (registration.kind === 'exists') {
        if (!this.options.takeOver)
          this.logger.warn(`fleet: node ${name} exists already (409); skipped`);
        this.skipped.push(name);
      } else if (registration.kind === 'fatal') {
        fatal ??= registration.message;
      } else if (registration.kind === 'created') {
        this.nodes.push({ id: registration.id, name });
        if (registration.takenOver) this.takenOver.push(name);
        if (!this.stopping) await this.startAgent(name, registration, i);
      }
    });
    this.registered = true;
    if (fatal !== undefined) {
      await this.stop('registration failed');
      throw new Error(fatal);
    }
    this.checkDone();
    if (this.stopping) return;
    if (this.agents.length === 0) {
      throw new Error(`no node started: all ${count} names exist already (choose another prefix)`);
    }
    this.logger.info(
      `fleet: ${this.agents.length} agents running, heartbeat every ${this.intervalMs} ms` +
        (this.takenOver.length > 0 ? `, ${this.takenOver.length} existing nodes taken over` : '') +
        (this.skipped.length > 0 ? `, ${this.skipped.length} skipped` : ''),
    );
    this.scheduleSummary();
  }

  /**
   * Every agent sends a last `terminating` beat (for 3 s at most in all) and stops; then
   * the nodes are stopped or deleted through the API as `onStop` says.
   */
  stop(reason = 'asked'): Promise<void> {
    if (!this.stopping) {
      this.logger.info(`fleet: stopping every agent (${reason})`);
      this.stopping = this.stopAll();
    }
    return this.stopping;
  }

  stats(): FleetStats {
    const stats: FleetStats = {
      agents: this.agents.length,
      reachable: 0,
      stopped: 0,
      pods: 0,
      runningPods: 0,
    };
    for (const agent of this.agents) {
      const s = agent.stats();
      if (s.state === 'stopped') stats.stopped++;
      else if (s.apiReachable) stats.reachable++;
      stats.pods += s.pods;
      stats.runningPods += s.runningPods;
    }
    return stats;
  }

  private async stopAll(): Promise<void> {
    this.cancelSummary();
    const agents = [...this.agents];
    const lastBeatUntil = this.clock.now() + STOP_LAST_BEAT_WINDOW_MS;
    await forEachLimit(agents.length, STOP_CONCURRENCY, (i) =>
      agents[i].stop({ lastHeartbeat: this.clock.now() < lastBeatUntil }),
    );
    this.logger.info(`fleet: ${agents.length} agents stopped`);
    await this.nodesApi.settle([...this.nodes], this.options.onStop ?? 'leave');
    this.stopAllFinished = true;
    this.checkDone();
  }

  private async startAgent(
    name: string,
    registration: { id: string; token: string; cpus?: number },
    index: number,
  ) {
    const agent = new NodeAgent({
      nodeId: registration.id,
      nodeName: name,
      apiServer: this.apiServer,
      token: registration.token,
      // a node taken over keeps the size it was registered with
      cpuCores: registration.cpus ?? this.options.cpus,
      heartbeatIntervalMs: this.intervalMs,
      nodeType: this.options.nodeType,
      dataDir: join(this.options.dataDir ?? join('.', 'data'), name),
      containerStartDelayMs: this.options.containerStartDelayMs,
      watchAssignments: this.options.watchAssignments ?? false,
      fetch: this.fetchFn,
      clock: this.clock,
      random: this.options.random,
      logger: this.agentLogger,
    });
    this.agents.push(agent);
    void agent.done.then(() => this.checkDone());
    // Spread the first beats, and so all later ones, evenly over one interval.
    await agent.start({
      firstBeatDelayMs: Math.round((index * this.intervalMs) / this.options.nodes),
    });
  }

  private checkDone(): void {
    // While registering, more agents may come.
    if (this.started && !this.registered) return;
    // Once stop() is under way, it alone decides: done after its last log line.
    const over = this.stopping
      ? this.stopAllFinished
      : this.agents.every((agent) => agent.stats().state === 'stopped');
    if (over) {
      this.cancelSummary();
      this.resolveDone();
    }
  }

  private readonly onSummaryTimer = (): void => {
    const s = this.stats();
    const line =
      `fleet: ${s.agents} agents (${s.reachable} reaching the API, ` +
      `${s.agents - s.reachable - s.stopped} not, ${s.stopped} stopped), ${s.pods} pods (${s.runningPods} running)`;
    if (line !== this.lastSummary) this.logger.info(line);
    this.lastSummary = line;
    this.scheduleSummary();
  };

  private scheduleSummary(): void {
    if (this.stopping) return;
    this.summaryTimer = this.clock.setTimeout(
      this.onSummaryTimer,
      this.options.summaryIntervalMs ?? 30_000,
    );
  }

  private cancelSummary(): void {
    if (this.summaryTimer !== undefined) this.clock.clearTimeout(this.summaryTimer);
    this.summaryTimer = undefined;
  }
}
