import { FakeKubesim } from '../testing/fake-kubesim';
import { aNode, aPod } from '../testing/fixtures';
import { runCli } from '../testing/run-cli';

const workload = (name: string, spec: object, status: object) => ({
  metadata: { name, namespace: 'default', creationTimestamp: new Date().toISOString() },
  spec,
  status,
});

describe('get <kind> [name]', () => {
  let fake: FakeKubesim;

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    fake
      .on('GET', '/nodes', { body: [aNode()] })
      .on('GET', '/nodes/worker-1', { body: aNode() })
      .on('GET', '/pods', { body: [aPod()] })
      .on('GET', '/pods/web', { body: aPod() })
      .on('GET', '/apis/apps/v1/deployments', {
        body: {
          items: [
            workload(
              'web',
              { replicas: 3 },
              { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
            ),
          ],
        },
      })
      .on('GET', '/apis/apps/v1/replicasets', {
        body: { items: [workload('web-5d8f', { replicas: 3 }, { replicas: 3, readyReplicas: 2 })] },
      })
      .on('GET', '/apis/apps/v1/daemonsets', {
        body: {
          items: [
            workload(
              'agent',
              { template: { spec: { nodeSelector: { zone: 'a', disk: 'ssd' } } } },
              {
                desiredNumberScheduled: 3,
                currentNumberScheduled: 3,
                numberReady: 2,
                updatedNumberScheduled: 1,
                numberAvailable: 2,
              },
            ),
            workload('logs', { template: { spec: {} } }, {}),
          ],
        },
      })
      .on('GET', '/apis/batch/v1/jobs', {
        body: {
          items: [
            workload(
              'pi',
              { completions: 3 },
              { succeeded: 3, conditions: [{ type: 'Complete', status: 'True' }] },
            ),
            workload(
              'doomed',
              { completions: 1 },
              { failed: 2, conditions: [{ type: 'Failed', status: 'True' }] },
            ),
            workload('busy', { completions: 5 }, { succeeded: 1, active: 2 }),
          ],
        },
      });
  });
  afterAll(() => fake.stop());

  it.each([
    [['get', 'nodes'], '/nodes', /NAME\s+TYPE\s+STATUS[\s\S]*worker-1\s+worker\s+healthy/],
    [['get', 'no'], '/nodes', /worker-1\s+worker\s+healthy/],
    [['get', 'node', 'worker-1'], '/nodes/worker-1', /Name:\s+worker-1/],
    [['get', 'pods'], '/pods', /web\s+running\s+worker-1/],
    [['get', 'po'], '/pods', /web\s+running\s+worker-1/],
    [['get', 'pod', 'web'], '/pods/web', /Name:\s+web/],
    [
      ['get', 'deployments'],
      '/apis/apps/v1/deployments',
      /NAMESPACE\s+NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE[\s\S]*default\s+web\s+2\/3\s+3\s+2\s/,
    ],
    [['get', 'deploy'], '/apis/apps/v1/deployments', /web\s+2\/3/],
    [
      ['get', 'rs'],
      '/apis/apps/v1/replicasets',
      /DESIRED\s+CURRENT\s+READY[\s\S]*web-5d8f\s+3\s+3\s+2\s/,
    ],
    [
      ['get', 'daemonsets'],
      '/apis/apps/v1/daemonsets',
      /NAMESPACE\s+NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE[\s\S]*default\s+agent\s+3\s+3\s+2\s+1\s+2\s+disk=ssd,zone=a\s[\s\S]*logs\s+0\s+0\s+0\s+0\s+0\s+<none>\s/,
    ],
    [['get', 'ds'], '/apis/apps/v1/daemonsets', /agent\s+3\s+3\s+2/],
    [
      ['get', 'jobs'],
      '/apis/batch/v1/jobs',
      /STATUS\s+COMPLETIONS[\s\S]*pi\s+Complete\s+3\/3[\s\S]*doomed\s+Failed\s+0\/1[\s\S]*busy\s+Running\s+1\/5/,
    ],
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
    const result = await runCli(fake.url, ['get', 'statefulsets']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("value 'statefulsets' is invalid for argument 'kind'");
  });
});
