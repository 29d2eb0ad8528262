import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';

describe('scenario run: a scenario timed for another cluster', () => {
  let fake: FakeKubesim;
  const dir = mkdtempSync(join(tmpdir(), 'kubesim-scenario-spec-'));
  const file = (name: string, timings: string) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      `apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: ${name}}\n${timings}\nsteps:\n- wait: 10ms\n`,
    );
    return path;
  };

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    // the timeline reads the events that followed each step
    fake.on('GET', '/events', { body: [] });
    // a server with kubesim's default timings
    fake.on('GET', '/cluster', {
      body: {
        timings: {
          heartbeat_interval_ms: 5000,
          node_failure_timeout_ms: 15000,
          pod_eviction_delay_ms: 0,
          monitor_interval_ms: 1000,
        },
      },
    });
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says which of the server timings differ from those the scenario asks, and plays it', async () => {
    const result = await runCli(fake.url, ['scenario', 'run', file('fast', 'timings: fast')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /note: the server's timings differ from the scenario's: heartbeat_interval_ms 5000 \(the scenario's: 300\), node_failure_timeout_ms 15000 \(the scenario's: 2000\), monitor_interval_ms 1000 \(the scenario's: 200\); .*--start/,
    );
    expect(result.stdout).toMatch(/wait 0.01s\n.*passed/);
  });

  it('is quiet when they match, and asks nothing of a scenario without timings', async () => {
    const same = await runCli(fake.url, [
      'scenario',
      'run',
      file('same', 'timings: {heartbeatInterval: 5s, nodeFailureTimeout: 15s}'),
    ]);
    expect(same.code).toBe(0);
    expect(same.stderr).toBe('');
    fake.requests.length = 0;
    const none = await runCli(fake.url, ['scenario', 'run', file('none', '')]);
    expect(none.code).toBe(0);
    expect(fake.requestsTo('GET', '/cluster')).toEqual([]);
  });
});
