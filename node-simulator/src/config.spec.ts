import { parseAgentEnv, parseFleetArgs } from './config';

describe('parseAgentEnv', () => {
  const env = {
    NODE_ID: '12',
    NODE_NAME: 'worker-a',
    API_SERVER: 'http://api:3000/',
    NODE_TOKEN: 'secret-token',
    CPU_CORES: '2.5',
  };

  it('reads a full environment, with defaults for the rest', () => {
    expect(parseAgentEnv(env)).toEqual({
      ok: true,
      config: {
        nodeId: '12',
        nodeName: 'worker-a',
        apiServer: 'http://api:3000',
        token: 'secret-token',
        cpuCores: 2.5,
        heartbeatIntervalMs: 5000,
        nodeType: 'worker',
        dataDir: 'data/worker-a',
      },
    });
  });

  it('takes the optional variables when set', () => {
    const parsed = parseAgentEnv({
      ...env,
      HEARTBEAT_INTERVAL_MS: '250',
      NODE_TYPE: 'master',
      DATA_DIR: '/var/x',
    });
    expect(parsed).toMatchObject({
      ok: true,
      config: { heartbeatIntervalMs: 250, nodeType: 'master', dataDir: '/var/x' },
    });
  });

  it('lists every problem at once, never a value', () => {
    const parsed = parseAgentEnv({
      NODE_TOKEN: 'secret-token',
      API_SERVER: 'ftp://secret-token@x',
      CPU_CORES: '-1',
      HEARTBEAT_INTERVAL_MS: 'soon',
      NODE_TYPE: 'boss',
      NODE_NAME: 'Not_DNS',
    });
    expect(parsed).toEqual({
      ok: false,
      errors: [
        'NODE_ID is required',
        'API_SERVER must be an http(s) URL',
        'CPU_CORES must be a number > 0',
        'NODE_NAME must be a DNS-1123 label (lowercase letters, digits, -; at most 63)',
        'HEARTBEAT_INTERVAL_MS must be a whole number > 0',
        'NODE_TYPE must be worker or master',
      ],
    });
    expect(JSON.stringify(parsed)).not.toContain('secret-token');
  });

  it('reads the parent pid the process runtime passes, and checks it', () => {
    expect(parseAgentEnv({ ...env, KUBESIM_PARENT_PID: '4242' })).toMatchObject({
      ok: true,
      config: { parentPid: 4242 },
    });
    const without = parseAgentEnv(env);
    expect(without.ok && without.config).not.toHaveProperty('parentPid');
    expect(parseAgentEnv({ ...env, KUBESIM_PARENT_PID: 'x' })).toEqual({
      ok: false,
      errors: ['KUBESIM_PARENT_PID must be a whole number > 0'],
    });
  });

  it('names the node after its id when NODE_NAME is unset', () => {
    const { NODE_NAME: _, ...rest } = env;
    expect(parseAgentEnv(rest)).toMatchObject({
      ok: true,
      config: { nodeName: 'node-12', dataDir: 'data/node-12' },
    });
  });
});

describe('parseFleetArgs', () => {
  it('is null without arguments: one agent from the environment', () => {
    expect(parseFleetArgs([], {})).toBeNull();
  });

  it('reads the fleet flags', () => {
    const argv = [
      '--fleet',
      '50',
      '--prefix',
      'edge',
      '--cpus',
      '8',
      '--api',
      'http://h:1',
      '--interval',
      '2000',
    ];
    expect(parseFleetArgs(argv, { KUBESIM_API_TOKEN: 't' })).toEqual({
      ok: true,
      config: {
        nodes: 50,
        prefix: 'edge',
        cpus: 8,
        apiServer: 'http://h:1',
        intervalMs: 2000,
        nodeType: 'worker',
        dataDir: 'data',
        apiToken: 't',
        verbose: false,
      },
    });
  });

  it.each([
    [['--fleet', '0'], '--fleet must be a whole number > 0'],
    [['--fleet', '3', '--cpus', 'many'], '--cpus must be a number > 0'],
    [['--fleet', '3', '--prefix', 'Bad_Prefix'], '--prefix must make DNS-1123 names'],
    [['--fleet', '3', '--api', 'nowhere'], '--api must be an http(s) URL'],
    [['--fleet', '3', '--bogus'], "Unknown option '--bogus'"],
    [['--prefix', 'x'], 'options other than --fleet need --fleet N'],
  ])('rejects %j', (argv, error) => {
    const parsed = parseFleetArgs(argv, {});
    expect(parsed).toMatchObject({ ok: false });
    expect(parsed?.ok === false && parsed.errors.join('; ')).toContain(error);
  });
});
