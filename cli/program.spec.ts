import { closedPortUrl, FakeKubesim } from './testing/fake-kubesim';
import { aNode } from './testing/fixtures';
import { runCli } from './testing/run-cli';

describe('kubesim', () => {
  let fake: FakeKubesim;

  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  describe('server and token', () => {
    it('uses --server over KUBESIM_SERVER', async () => {
      const other = await FakeKubesim.start();
      other.on('GET', '/nodes', { body: [] });
      try {
        const result = await runCli(fake.url, ['list-nodes', '--server', `${other.url}/`]);

        expect(result.code).toBe(0);
        expect(other.requests).toHaveLength(1);
        expect(fake.requests).toHaveLength(0);
      } finally {
        await other.stop();
      }
    });

    it('sends the token from KUBESIM_API_TOKEN, and --token over it', async () => {
      fake.on('POST', '/nodes/1/cordon', { body: aNode() });

      await runCli(fake.url, ['cordon', '1'], { env: { KUBESIM_API_TOKEN: 'from-env' } });
      await runCli(fake.url, ['cordon', '1', '--token', 'from-flag'], {
        env: { KUBESIM_API_TOKEN: 'from-env' },
      });
      await runCli(fake.url, ['cordon', '1']);

      expect(fake.requests.map((r) => r.headers.authorization)).toEqual([
        'Bearer from-env',
        'Bearer from-flag',
        undefined,
      ]);
    });

    it('a 401 without a token says how to give one', async () => {
      fake.on('POST', '/nodes/1/stop', {
        status: 401,
        body: { statusCode: 401, error: 'Unauthorized', message: 'missing bearer token' },
      });

      const result = await runCli(fake.url, ['stop-node', '1']);

      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: 'error: missing bearer token (pass --token or set KUBESIM_API_TOKEN)\n',
      });
    });

    it('rejects a server URL that is not http(s)', async () => {
      const result = await runCli('localhost:3000', ['list-nodes']);

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: invalid server URL 'localhost:3000'/);
    });
  });

  describe('errors', () => {
    it('a server that is down: one line, exit 3', async () => {
      const down = await closedPortUrl();

      const result = await runCli(down, ['list-nodes']);

      expect(result).toEqual({
        code: 3,
        stdout: '',
        stderr: `error: cannot reach kubesim at ${down}\n`,
      });
    });

    it('a server that does not answer in time counts as unreachable', async () => {
      fake.on('GET', '/cluster', () => undefined); // never answers

      const started = Date.now();
      const result = await runCli(fake.url, ['cluster', '--request-timeout', '0.2']);

      expect(result).toEqual({
        code: 3,
        stdout: '',
        stderr: `error: cannot reach kubesim at ${fake.url}\n`,
      });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('a 5xx that is not JSON still gives one line', async () => {
      fake.on('GET', '/cluster', (_req, res) => {
        res.writeHead(502, 'Bad Gateway').end('<html>oops</html>');
      });

      const result = await runCli(fake.url, ['cluster']);

      expect(result).toEqual({ code: 1, stdout: '', stderr: 'error: HTTP 502 Bad Gateway\n' });
    });

    it('Ctrl-C during a request exits 130 quietly', async () => {
      fake.on('GET', '/cluster', () => undefined);
      const interrupt = new AbortController();
      setTimeout(() => interrupt.abort(), 50);

      const result = await runCli(fake.url, ['cluster'], { signal: interrupt.signal });

      expect(result).toEqual({ code: 130, stdout: '', stderr: '' });
    });

    it.each([
      [['lst-nodes'], "error: unknown command 'lst-nodes'"],
      [['list-nodes', '--colour'], "error: unknown option '--colour'"],
      [['get-node'], "error: missing required argument 'node'"],
      [['list-nodes', '-o', 'yaml'], "option '-o, --output <format>' argument 'yaml' is invalid"],
    ])("bad usage %j exits 2 with commander's message", async (args, message) => {
      const result = await runCli(fake.url, args);

      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(fake.requests).toHaveLength(0);
    });
  });

  it('--help lists the commands and exits 0', async () => {
    const result = await runCli(fake.url, ['--help']);

    expect(result.code).toBe(0);
    for (const command of [
      'add-node',
      'list-nodes',
      'get-node',
      'launch-pod',
      'events',
      'cluster',
      'scheduler',
      'simulate',
    ]) {
      expect(result.stdout).toContain(command);
    }
  });

  describe('colour', () => {
    beforeEach(() => {
      fake.on('GET', '/nodes', {
        body: [
          aNode({ health_status: 'healthy' }),
          aNode({ id: 2, name: 'w2', health_status: 'failed' }),
        ],
      });
    });

    it('colours statuses on a terminal', async () => {
      const result = await runCli(fake.url, ['list-nodes'], { tty: true });

      expect(result.stdout).toContain('\x1b[32mhealthy\x1b[39m');
      expect(result.stdout).toContain('\x1b[31mfailed\x1b[39m');
    });

    it.each([
      ['piped', { tty: false }],
      ['NO_COLOR set', { tty: true, env: { NO_COLOR: '1' } }],
    ])('has none when %s', async (_case, options) => {
      const result = await runCli(fake.url, ['list-nodes'], options);

      expect(result.stdout).toContain('healthy');
      expect(result.stdout).not.toContain('\x1b[');
    });
  });
});
