/**
 * One NodeAgent against the FakeApi on a FakeClock, in a fresh data dir per test: the
 * agent's specs share it. Every test ends checking that neither the node's token nor a
 * secret value ever reached the log.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeAgent, NodeAgentOptions } from '../agent';
import { FakeApi, FakeClock, memoryLogger, settleAll } from './fakes';

export const TOKEN = 'tok-never-logged';
export const SECRET = 's3cr3t-never-logged';
export const INTERVAL = 1000;

export class AgentHarness {
  dataDir!: string;
  clock!: FakeClock;
  api!: FakeApi;
  logger!: ReturnType<typeof memoryLogger>;
  agent!: NodeAgent;
  /** what the agent's random() returns: 0.5 is no jitter, no noise (CPU use equals the request) */
  random = 0.5;

  readonly settle = (): Promise<void> => settleAll(this.agent);
  readonly advance = (ms: number): Promise<void> => this.clock.advance(ms, this.settle);

  readonly makeAgent = (overrides: Partial<NodeAgentOptions> = {}): NodeAgent => {
    this.agent = new NodeAgent({
      nodeId: 1,
      nodeName: 'node-1',
      apiServer: 'http://api.test/',
      token: TOKEN,
      cpuCores: 2,
      heartbeatIntervalMs: INTERVAL,
      dataDir: this.dataDir,
      fetch: this.api.fetch,
      clock: this.clock,
      random: () => this.random,
      logger: this.logger,
      ...overrides,
    });
    return this.agent;
  };

  readonly started = async (overrides: Partial<NodeAgentOptions> = {}): Promise<NodeAgent> => {
    await this.makeAgent(overrides).start();
    await this.settle();
    return this.agent;
  };

  readonly lastBeat = () => this.api.beats[this.api.beats.length - 1].body;
  readonly beatTimes = () => this.api.beats.map((b) => b.at);
  /** a pod's folder: `<id>-<name>` (podAssignment(n) is named pod-n) */
  readonly podDir = (name: string, id = Number(name.replace('pod-', ''))) =>
    join(this.dataDir, 'pods', `${id}-${name}`);

  setUp(): void {
    this.dataDir = mkdtempSync(join(tmpdir(), 'kubesim-agent-'));
    this.clock = new FakeClock();
    this.api = new FakeApi(this.clock);
    this.logger = memoryLogger();
    this.random = 0.5;
  }

  async tearDown(): Promise<void> {
    await this.agent?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    // Whatever a test did, the token and secret values never reach the log.
    const log = this.logger.lines.join('\n');
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain(SECRET);
  }
}

/** A harness set up before each test of the calling describe and torn down after it. */
export function useAgentHarness(): AgentHarness {
  const harness = new AgentHarness();
  beforeEach(() => harness.setUp());
  afterEach(() => harness.tearDown());
  return harness;
}
