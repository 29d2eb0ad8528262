import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet, FleetOptions, runFleet } from './fleet';
import { FakeApi, FakeClock, memoryLogger, settleAll } from './testing/fakes';

describe('Fleet', () => {
  let dataDir: string;
  let clock: FakeClock;
  let api: FakeApi;
  let logger: ReturnType<typeof memoryLogger>;
  let fleet: Fleet | undefined;

  const settle = (): Promise<void> => settleAll(...(fleet?.agents ?? []));
  const options = (overrides: Partial<FleetOptions> = {}): FleetOptions => ({
    nodes: 4,
    prefix: 'sim',
    cpus: 2,
    apiServer: 'http://api.test',
    intervalMs: 1000,
    dataDir,
    fetch: api.fetch,
    clock,
    random: () => 0.5,
    logger,
    ...overrides,
  });
  async function started(overrides: Partial<FleetOptions> = {}): Promise<Fleet> {
    fleet = new Fleet(options(overrides));
    await fleet.start();
    return fleet;
  }

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kubesim-fleet-'));
    clock = new FakeClock();
    api = new FakeApi(clock);
    logger = memoryLogger();
    fleet = undefined;
  });

  afterEach(async () => {
    await fleet?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers the nodes, skips names that exist, and spreads the beats over the interval', async () => {
    api.existingNames.add('sim-2');
    await started({ apiToken: 'admin-token' });
    await clock.advance(999, settle);

    expect(api.registrations).toEqual(
      ['sim-1', 'sim-2', 'sim-3', 'sim-4'].map((name) => ({
        name,
        cpu_cores: 2,
        // the fleet runs the agents: the server must not launch its own
        agent: 'external',
        authorization: 'Bearer admin-token',
      })),
    );
    expect(fleet?.skipped).toEqual(['sim-2']);
    expect(fleet?.agents.map((a) => a.nodeName)).toEqual(['sim-1', 'sim-3', 'sim-4']);
    expect(logger.lines).toContainEqual(
      expect.stringContaining('node sim-2 exists already (409); skipped'),
    );
    // node i (0-based) first beats at i × 1000 / 4 ms, with its own id and token
    expect(api.beats.map((b) => [b.at, b.url, b.authorization])).toEqual([
      [0, 'http://api.test/nodes/1/heartbeat', 'Bearer token-sim-1'],
      [500, 'http://api.test/nodes/3/heartbeat', 'Bearer token-sim-3'],
      [750, 'http://api.test/nodes/4/heartbeat', 'Bearer token-sim-4'],
    ]);
  });

  it('stops every agent with a last terminating beat', async () => {
    await started({ nodes: 3 });
    await clock.advance(1000, settle);
    await fleet?.stop();
    await fleet?.done;
    const last = api.beats.slice(-3);
    expect(last.map((b) => b.body.health_status)).toEqual([
      'terminating',
      'terminating',
      'terminating',
    ]);
    expect(new Set(last.map((b) => b.url)).size).toBe(3);
    expect(fleet?.stats()).toMatchObject({ agents: 3, stopped: 3 });
    const count = api.beats.length;
    await clock.advance(5000, settle);
    expect(api.beats).toHaveLength(count);
  });

  it('takes over names that exist with a new token, keeping their size; skips managed ones', async () => {
    ['sim-1', 'sim-2'].forEach((name) => api.existingNames.add(name));
    api.managedNames.add('sim-2');
    await started({ nodes: 3, takeOver: true });
    await clock.advance(999, settle);

    expect(api.operations.map((o) => `${o.method} ${o.url} ${o.body}`)).toEqual([
      'POST http://api.test/nodes/sim-1/token {}',
      'POST http://api.test/nodes/sim-2/token {}',
    ]);
    expect(fleet?.takenOver).toEqual(['sim-1']);
    expect(fleet?.skipped).toEqual(['sim-2']);
    expect(fleet?.agents.map((a) => a.nodeName).sort()).toEqual(['sim-1', 'sim-3']);
    expect(api.beats.find((b) => b.authorization === 'Bearer new-sim-1')?.url).toBe(
      'http://api.test/nodes/101/heartbeat',
    );
    expect(logger.lines).toContainEqual(expect.stringContaining('1 existing nodes taken over'));
  });

  it.each([
    ['delete', ['POST /cordon', 'POST /cordon', 'DELETE ', 'DELETE '], '2 nodes deleted'],
    ['stop', ['POST /stop', 'POST /stop'], '2 nodes stopped'],
  ] as const)(
    'onStop %s: after the agents stop, their nodes go through the API',
    async (onStop, calls, line) => {
      await started({ nodes: 2, onStop });
      await clock.advance(1000, settle);
      await fleet?.stop();
      await fleet?.done;

      expect(
        api.operations.map(
          (o) => `${o.method} ${o.url.replace(/^http:\/\/api\.test\/nodes\/\d+/, '')}`,
        ),
      ).toEqual(calls);
      // bodiless changes are still JSON requests
      for (const o of api.operations) {
        expect(o.contentType).toBe('application/json');
        expect(o.body).toBe('{}');
      }
      expect(logger.lines).toContainEqual(expect.stringContaining(line));
    },
  );

  it('leaves the nodes alone by default', async () => {
    await started({ nodes: 2 });
    await fleet?.stop();
    expect(api.operations).toEqual([]);
  });

  it('retries registrations while the API is down', async () => {
    api.registrationStatuses.push(503, 503);
    fleet = new Fleet(options({ nodes: 1 }));
    const starting = fleet.start();
    await clock.advance(1500, settle); // retries after 500 ms, then 1000 ms more
    await starting;
    expect(api.registrations).toHaveLength(3);
    expect(fleet.agents).toHaveLength(1);
  });

  it.each([
    [401, 'registering sim-1 refused: HTTP 401 (refused)'],
    [400, 'registering sim-1 refused: HTTP 400 (refused)'],
  ])('fails at once when a registration is refused with %i', async (status, message) => {
    api.registrationStatuses.push(status);
    await expect(started({ nodes: 1 })).rejects.toThrow(message);
    expect(api.beats).toHaveLength(0);
  });

  it('fails when every name exists already', async () => {
    ['sim-1', 'sim-2'].forEach((name) => api.existingNames.add(name));
    await expect(started({ nodes: 2 })).rejects.toThrow('choose another prefix');
  });

  it('stops registering when stopped meanwhile', async () => {
    api.registrationStatuses.push(503);
    fleet = new Fleet(options({ nodes: 3, registrationConcurrency: 1 }));
    const starting = fleet.start();
    void fleet.stop();
    await clock.advance(500, settle);
    await starting;
    await fleet.done;
    expect(api.registrations).toHaveLength(1);
    expect(fleet.agents).toHaveLength(0);
  });

  it('is done when its agents are all told to go by the API', async () => {
    await started({ nodes: 2 });
    api.reply({ status: 404 }, { status: 404 });
    await clock.advance(1000, settle);
    await fleet?.done;
    expect(fleet?.stats()).toMatchObject({ agents: 2, stopped: 2 });
  });
});

describe('runFleet', () => {
  it('runs until its signal aborts, then stops every agent', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kubesim-fleet-'));
    const clock = new FakeClock();
    const api = new FakeApi(clock);
    const abort = new AbortController();
    const logger = memoryLogger();
    let over = false;
    const running = runFleet({
      nodes: 2,
      prefix: 'sim',
      cpus: 1,
      apiServer: 'http://api.test',
      intervalMs: 1000,
      dataDir,
      fetch: api.fetch,
      clock,
      logger,
      signal: abort.signal,
    }).then(() => (over = true));
    // Registration and start touch the real disk: wait (1 ms at a time) for the fleet to run.
    for (let i = 0; i < 1000 && !logger.lines.some((l) => l.includes('agents running')); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await clock.advance(2000, () => settleAll());
    expect(over).toBe(false);
    expect(api.beats.length).toBeGreaterThanOrEqual(4);

    abort.abort();
    await running;
    expect(api.beats.slice(-2).map((b) => b.body.health_status)).toEqual([
      'terminating',
      'terminating',
    ]);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
