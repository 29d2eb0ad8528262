import { FakeKubesim } from '../testing/fake-kubesim';
import { aNode, aPod } from '../testing/fixtures';
import { runCli } from '../testing/run-cli';

describe('get <kind> [name]', () => {
  let fake: FakeKubesim;

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    fake
      .on('GET', '/nodes', { body: [aNode()] })
      .on('GET', '/nodes/worker-1', { body: aNode() })
      .on('GET', '/pods', { body: [aPod()] })
      .on('GET', '/pods/web', { body: aPod() });
  });
  afterAll(() => fake.stop());

  it.each([
    [['get', 'nodes'], '/nodes', /NAME\s+TYPE\s+STATUS[\s\S]*worker-1\s+worker\s+healthy/],
    [['get', 'no'], '/nodes', /worker-1\s+worker\s+healthy/],
    [['get', 'node', 'worker-1'], '/nodes/worker-1', /Name:\s+worker-1/],
    [['get', 'pods'], '/pods', /web\s+running\s+worker-1/],
    [['get', 'po'], '/pods', /web\s+running\s+worker-1/],
    [['get', 'pod', 'web'], '/pods/web', /Name:\s+web/],
  ])('%j reads %s', async (args, path, output) => {
    fake.requests.length = 0;

    const result = await runCli(fake.url, args);

    expect(result.code).toBe(0);
    expect(fake.requests.map((r) => r.path)).toEqual([path]);
    expect(result.stdout).toMatch(output);
  });

  it('passes list filters through', async () => {
    fake.requests.length = 0;

    await runCli(fake.url, ['get', 'pods', '--status', 'running', '--node', 'worker-1']);

    expect(fake.requests[0].query).toEqual({ status: 'running', node: 'worker-1' });
  });

  it('refuses other kinds', async () => {
    const result = await runCli(fake.url, ['get', 'deployments']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("value 'deployments' is invalid for argument 'kind'");
  });
});
