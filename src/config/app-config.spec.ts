import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig, parseByteSize } from './app-config';

describe('KUBESIM_BODY_LIMIT', () => {
  it('reads sizes as body-parser did (units of 1024)', () => {
    expect(parseByteSize('1mb')).toBe(1024 * 1024);
    expect(parseByteSize('512kb')).toBe(512 * 1024);
    expect(parseByteSize('100000')).toBe(100000);
    expect(parseByteSize(' 2MB ')).toBe(2 * 1024 * 1024);
    expect(parseByteSize('1.5kb')).toBe(1536);
  });

  it('refuses what is not a size', () => {
    for (const bad of ['', 'lots', '1tb', '-1kb', '0', '1 m b'])
      expect(parseByteSize(bad)).toBeNull();
  });

  it('defaults to 1 MB and stops the boot on a bad value, naming the variable', () => {
    expect(loadConfig({}).bodyLimitBytes).toBe(1024 * 1024);
    expect(loadConfig({ KUBESIM_BODY_LIMIT: '64kb' }).bodyLimitBytes).toBe(64 * 1024);
    expect(() => loadConfig({ KUBESIM_BODY_LIMIT: 'huge' })).toThrow(ConfigError);
    expect(() => loadConfig({ KUBESIM_BODY_LIMIT: 'huge' })).toThrow(/KUBESIM_BODY_LIMIT=huge/);
  });
});

describe('HOST and API tokens', () => {
  it('runs one API worker unless KUBESIM_WORKERS asks for more (a number, or one per core)', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({}).heapGrowingPercent).toBe(50);
    expect(loadConfig({ KUBESIM_HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent).toBe(0);
    expect(() => loadConfig({ KUBESIM_HEAP_GROWING_PERCENT: '-1' })).toThrow(
      /KUBESIM_HEAP_GROWING_PERCENT/,
    );
    expect(loadConfig({}).workerRole).toBe('single');
    expect(loadConfig({ KUBESIM_WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ KUBESIM_WORKERS: 'cores' }).workers).toBe(
      Math.min(availableParallelism(), 16),
    );
    expect(() => loadConfig({ KUBESIM_WORKERS: '0' })).toThrow(
      /KUBESIM_WORKERS=0: expected a whole number from 1 to 64/,
    );
    expect(() => loadConfig({ KUBESIM_WORKER_ROLE: 'boss' })).toThrow(/KUBESIM_WORKER_ROLE=boss/);
  });

  it('listens on loopback unless HOST says otherwise', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('refuses an API token too short to withstand guessing, naming the variable', () => {
    expect(() => loadConfig({ KUBESIM_API_TOKEN: 'short' })).toThrow(
      /KUBESIM_API_TOKEN: expected at least 16 characters/,
    );
    expect(() => loadConfig({ KUBESIM_API_READ_TOKEN: 'fifteen-chars!!' })).toThrow(
      /KUBESIM_API_READ_TOKEN: expected at least 16 characters/,
    );
    expect(loadConfig({ KUBESIM_API_TOKEN: 'sixteen-chars!!!' }).apiToken).toBe('sixteen-chars!!!');
  });

  it('reads the autoscaler from KUBESIM_AUTOSCALER*, or leaves it to the stored settings', () => {
    expect(loadConfig({}).autoscaler).toBeNull();
    expect(
      loadConfig({
        KUBESIM_AUTOSCALER: 'on',
        KUBESIM_AUTOSCALER_MAX_NODES: '4',
        KUBESIM_AUTOSCALER_NODE_CPU_CORES: '2.5',
      }).autoscaler,
    ).toEqual({
      enabled: true,
      minNodes: 1,
      maxNodes: 4,
      nodeCpuCores: 2.5,
      nodeMemoryMb: null,
      scaleUpDelayS: 0,
      scaleDownIdleS: 600,
    });
    expect(() =>
      loadConfig({
        KUBESIM_AUTOSCALER: 'yes',
        KUBESIM_AUTOSCALER_MIN_NODES: '5',
        KUBESIM_AUTOSCALER_MAX_NODES: '3',
        KUBESIM_AUTOSCALER_NODE_CPU_CORES: '0.0001',
      }),
    ).toThrow(
      /KUBESIM_AUTOSCALER=yes: expected one of on, off[\s\S]*NODE_CPU_CORES=0.0001[\s\S]*MIN_NODES=5: must not exceed KUBESIM_AUTOSCALER_MAX_NODES=3/,
    );
  });
});

describe('NODE_NOT_READY_AFTER_MS', () => {
  it('defaults to two heartbeat intervals', () => {
    expect(loadConfig({}).nodeNotReadyAfterMs).toBe(10000);
    expect(loadConfig({ HEARTBEAT_INTERVAL_MS: '300' }).nodeNotReadyAfterMs).toBe(600);
    expect(loadConfig({ NODE_NOT_READY_AFTER_MS: '7000' }).nodeNotReadyAfterMs).toBe(7000);
  });

  it('must lie between the heartbeat interval and the failure timeout', () => {
    expect(() => loadConfig({ NODE_NOT_READY_AFTER_MS: '15000' })).toThrow(
      /NODE_NOT_READY_AFTER_MS=15000: must be shorter than NODE_FAILURE_TIMEOUT_MS=15000/,
    );
    expect(() => loadConfig({ NODE_NOT_READY_AFTER_MS: '5000' })).toThrow(
      /NODE_NOT_READY_AFTER_MS=5000: must be longer than HEARTBEAT_INTERVAL_MS=5000/,
    );
    expect(() => loadConfig({ NODE_NOT_READY_AFTER_MS: 'soon' })).toThrow(
      /NODE_NOT_READY_AFTER_MS=soon: expected a whole number/,
    );
  });
});

describe('KUBESIM_TIMINGS', () => {
  it('kubernetes: heartbeats every 10 s, failed after 50 s, pods evicted 300 s later', () => {
    const config = loadConfig({ KUBESIM_TIMINGS: 'kubernetes' });
    expect(config.heartbeatIntervalMs).toBe(10000);
    expect(config.nodeFailureTimeoutMs).toBe(50000);
    expect(config.podEvictionDelayMs).toBe(300000);
  });

  it('fast: a failure is noticed within seconds', () => {
    const config = loadConfig({ KUBESIM_TIMINGS: 'fast' });
    expect(config.heartbeatIntervalMs).toBe(300);
    expect(config.nodeFailureTimeoutMs).toBe(2000);
    expect(config.monitorIntervalMs).toBe(200);
  });

  it('an explicit variable wins over the preset; an empty one does not', () => {
    const config = loadConfig({
      KUBESIM_TIMINGS: 'kubernetes',
      NODE_FAILURE_TIMEOUT_MS: '20000',
      HEARTBEAT_INTERVAL_MS: '',
    });
    expect(config.nodeFailureTimeoutMs).toBe(20000);
    expect(config.heartbeatIntervalMs).toBe(10000);
  });

  it('an unknown preset is refused, naming the choices', () => {
    expect(() => loadConfig({ KUBESIM_TIMINGS: 'slow' })).toThrow(
      'KUBESIM_TIMINGS=slow: expected one of kubernetes, fast',
    );
  });
});
