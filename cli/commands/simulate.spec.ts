import { runCli } from '../testing/run-cli';

const runFleet = jest.fn();
// The agent's own module, written and tested in node-simulator/; here only the hand-off matters.
jest.mock('../../node-simulator/src/main', () => ({ runFleet }), { virtual: true });

describe('simulate', () => {
  beforeEach(() => runFleet.mockReset());

  it('starts a fleet with the options and the server, and waits for it', async () => {
    let finish: () => void = () => undefined;
    runFleet.mockReturnValue(new Promise<void>((resolve) => (finish = resolve)));

    const running = runCli('http://kubesim.test:3000/', [
      'simulate',
      '--nodes',
      '5',
      '--cpus',
      '0.5',
      '--prefix',
      'edge',
      '--interval',
      '1000',
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    let settled = false;
    void running.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));

    expect(runFleet).toHaveBeenCalledWith({
      nodes: 5,
      cpus: 0.5,
      prefix: 'edge',
      apiServer: 'http://kubesim.test:3000',
      intervalMs: 1000,
      takeOver: true,
      onStop: 'delete',
    });
    expect(settled).toBe(false);
    finish();
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "running 5 simulated node(s) 'edge-*' against http://kubesim.test:3000",
    );
  });

  it('has defaults for all but the node count', async () => {
    runFleet.mockResolvedValue(undefined);

    await runCli('http://localhost:3000', ['simulate', '--nodes', '2']);
    const missing = await runCli('http://localhost:3000', ['simulate']);

    expect(runFleet).toHaveBeenCalledTimes(1);
    expect(runFleet).toHaveBeenCalledWith({
      nodes: 2,
      cpus: 2,
      prefix: 'sim',
      apiServer: 'http://localhost:3000',
      intervalMs: 5000,
      takeOver: true,
      onStop: 'delete',
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--nodes <n>' not specified");
  });

  it('--keep stops the nodes on exit instead of deleting them', async () => {
    runFleet.mockResolvedValue(undefined);

    const result = await runCli('http://localhost:3000', ['simulate', '--nodes', '2', '--keep']);

    expect(result.code).toBe(0);
    expect(runFleet).toHaveBeenCalledWith(expect.objectContaining({ onStop: 'stop' }));
    expect(result.stderr).toContain('Ctrl-C to end; the nodes are then stopped and kept');
  });

  it('reports a fleet that fails as one line', async () => {
    runFleet.mockRejectedValue(new Error('registration refused'));

    const result = await runCli('http://localhost:3000', ['simulate', '--nodes', '1']);

    expect(result).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/error: registration refused\n$/),
    });
  });
});
