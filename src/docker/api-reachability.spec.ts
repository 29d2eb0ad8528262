import { loadConfig } from '../config/app-config';
import {
  candidateNetworks,
  chooseDockerNetwork,
  demux,
  ProbeContainer,
  ProbeEngine,
} from './api-reachability';

/** An engine whose probe containers exit with the given code, or never finish. */
class FakeEngine implements ProbeEngine {
  created: Array<{ network: string; removed: boolean }> = [];
  constructor(private readonly exitCode: number | 'hang') {}
  async listNetworks() {
    return [];
  }
  async createNetwork() {
    return {};
  }
  async createContainer(options: {
    HostConfig?: { NetworkMode?: string };
  }): Promise<ProbeContainer> {
    const record = { network: options.HostConfig?.NetworkMode ?? '', removed: false };
    this.created.push(record);
    const code = this.exitCode;
    return {
      start: async () => undefined,
      wait: () =>
        code === 'hang'
          ? new Promise<never>(() => undefined)
          : Promise.resolve({ StatusCode: code }),
      logs: async () => frame(2, 'http://127.0.0.1:1/healthz: ECONNREFUSED\n'),
      remove: async () => {
        record.removed = true;
      },
    };
  }
}

/** One frame of the engine's output format without a TTY. */
function frame(stream: number, text: string): Buffer {
  const body = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const config = (env: Record<string, string> = {}) =>
  loadConfig({ PORT: '0', HOST: '127.0.0.1', ...env });

describe('which networks RUNTIME=auto tries', () => {
  it.each([
    [{}, ['host']],
    [{ KUBESIM_API_URL: 'http://localhost:3000' }, ['host']],
    [{ KUBESIM_API_URL: 'http://kubesim.example:3000' }, ['kubesim', 'host']],
    [{ KUBESIM_DOCKER_NETWORK: 'lab' }, ['lab']],
  ])('%j → %j', (env, networks) => {
    expect(candidateNetworks(config(env))).toEqual(networks);
  });
});

describe('the reachability probe', () => {
  afterEach(() => jest.useRealTimers());

  it('picks the first network whose probe got this server’s answer, and removes the probe', async () => {
    const engine = new FakeEngine(0);
    expect(await chooseDockerNetwork(config(), 'img', engine)).toMatchObject({
      kind: 'docker',
      network: 'host',
    });
    expect(engine.created).toEqual([{ network: 'host', removed: true }]);
  });

  it('falls back to processes with what each probe saw', async () => {
    const engine = new FakeEngine(2);
    const choice = await chooseDockerNetwork(
      config({ KUBESIM_API_URL: 'http://kubesim.example:3000' }),
      'img',
      engine,
    );
    expect(choice).toEqual({
      kind: 'process',
      why: expect.stringMatching(/network kubesim: .*ECONNREFUSED; network host: .*ECONNREFUSED/),
    });
    expect(engine.created.every((c) => c.removed)).toBe(true);
  });

  it('counts a probe that never finishes as unreachable, and removes it', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const engine = new FakeEngine('hang');
    const choice = chooseDockerNetwork(config(), 'img', engine);
    await jest.advanceTimersByTimeAsync(20_000);
    expect(await choice).toEqual({
      kind: 'process',
      why: expect.stringMatching(/network host: the probe: no answer within 20000 ms/),
    });
    expect(engine.created).toEqual([{ network: 'host', removed: true }]);
  });

  it('reads framed and plain output alike', () => {
    expect(demux(Buffer.concat([frame(1, 'a'), frame(2, 'b')]))).toBe('ab');
    expect(demux(Buffer.from('plain'))).toBe('plain');
  });
});
