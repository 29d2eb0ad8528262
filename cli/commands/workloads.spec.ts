import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';

describe('scale <kind>/<name> --replicas N', () => {
  let fake: FakeKubesim;

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    fake
      .on('PUT', '/apis/apps/v1/namespaces/default/deployments/web/scale', {
        body: { kind: 'Scale', spec: { replicas: 5 } },
      })
      .on('PUT', '/apis/apps/v1/namespaces/team-a/replicasets/web-5d8f/scale', {
        body: { kind: 'Scale', spec: { replicas: 0 } },
      });
  });
  afterAll(() => fake.stop());

  it.each([
    [
      ['scale', 'deployment/web', '--replicas', '5'],
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
      5,
      /deployment\/web scaled to 5/,
    ],
    [
      ['scale', 'rs/web-5d8f', '--replicas', '0', '-n', 'team-a'],
      '/apis/apps/v1/namespaces/team-a/replicasets/web-5d8f/scale',
      0,
      /replicaset\/web-5d8f scaled to 0/,
    ],
  ])('%j puts the scale subresource %s', async (args, path, replicas, output) => {
    fake.requests.length = 0;

    const result = await runCli(fake.url, args);

    expect(result.code).toBe(0);
    expect(fake.requests.map((r) => [r.method, r.path])).toEqual([['PUT', path]]);
    expect((fake.requests[0].body as { spec: unknown }).spec).toEqual({ replicas });
    expect(result.stdout).toMatch(output);
  });

  it.each([
    [['scale', 'job/pi', '--replicas', '2'], /expected deployment\/NAME/],
    [['scale', 'deployment/web', '--replicas', '-1'], /whole number/],
  ])('%j is a usage error, sending nothing', async (args, message) => {
    fake.requests.length = 0;

    const result = await runCli(fake.url, args);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(fake.requests).toEqual([]);
  });
});
