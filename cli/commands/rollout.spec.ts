import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';
import { parseTimeout, RolloutObject, rolloutState } from './rollout';

const deployment = (
  spec: RolloutObject['spec'],
  status: RolloutObject['status'],
  generation = 2,
): RolloutObject => ({ metadata: { name: 'web', generation }, spec, status });

describe('rolloutState: a Deployment, in kubectl rollout status words', () => {
  it.each([
    // generation observed? spec.replicas, replicas, updated, available → message
    [1, 3, 3, 3, 3, 'Waiting for deployment spec update to be observed...'],
    [
      2,
      3,
      4,
      1,
      1,
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    ],
    [
      2,
      3,
      4,
      3,
      3,
      'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      2,
      3,
      3,
      3,
      2,
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
    ],
    [2, 3, 3, 3, 3, 'deployment "web" successfully rolled out'],
  ])(
    'observed %s, %s wanted, %s, %s updated, %s available',
    (observedGeneration, want, replicas, updatedReplicas, availableReplicas, message) => {
      const state = rolloutState(
        'deployments',
        deployment(
          { replicas: want },
          { observedGeneration, replicas, updatedReplicas, availableReplicas },
        ),
      );
      expect(state).toEqual({ message, done: message.endsWith('successfully rolled out') });
    },
  );

  it('a Deployment past its progress deadline is an error', () => {
    const stuck = deployment(
      { replicas: 3 },
      {
        observedGeneration: 2,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }],
      },
    );
    expect(() => rolloutState('deployments', stuck)).toThrow(
      'deployment "web" exceeded its progress deadline',
    );
  });
});

describe('rolloutState: a DaemonSet', () => {
  const ds = (status: RolloutObject['status'], type = 'RollingUpdate'): RolloutObject => ({
    metadata: { name: 'agent', generation: 1 },
    spec: { updateStrategy: { type } },
    status: { observedGeneration: 1, ...status },
  });
  it.each([
    [
      { desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 },
      'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...',
    ],
    [
      { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 },
      'Waiting for daemon set "agent" rollout to finish: 2 of 3 updated pods are available...',
    ],
    [
      { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 },
      'daemon set "agent" successfully rolled out',
    ],
  ])('%j → %s', (status, message) => {
    expect(rolloutState('daemonsets', ds(status)).message).toBe(message);
  });

  it('OnDelete has no rollout to follow', () => {
    expect(() => rolloutState('daemonsets', ds({}, 'OnDelete'))).toThrow(
      'only available for RollingUpdate',
    );
  });
});

describe('parseTimeout', () => {
  it.each([
    ['0', 0],
    ['90s', 90_000],
    ['5m', 300_000],
    ['500ms', 500],
    ['2', 2000],
  ])('%s → %s ms', (text, ms) => expect(parseTimeout(text)).toBe(ms));
});

describe('kubesim rollout status|restart against a server', () => {
  let fake: FakeKubesim;
  let polls = 0;
  const PATH = '/apis/apps/v1/namespaces/team-a/deployments/web';

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    // the rollout advances one replica on each read
    fake.on('GET', PATH, () => {
      const updated = Math.min(3, polls++);
      return {
        body: deployment(
          { replicas: 3 },
          {
            observedGeneration: 2,
            replicas: 3,
            updatedReplicas: 3,
            availableReplicas: updated,
          },
        ),
      };
    });
    fake.on('GET', '/apis/apps/v1/namespaces/default/deployments/stuck', {
      body: deployment({ replicas: 3 }, { observedGeneration: 1 }),
    });
    fake.on('PATCH', PATH, { body: deployment({ replicas: 3 }, {}) });
  });
  afterAll(() => fake.stop());

  it('prints each change of the rollout once and ends 0 when it is done', async () => {
    polls = 0;
    const result = await runCli(fake.url, ['rollout', 'status', 'deployment/web', '-n', 'team-a']);
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toEqual([
      'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...',
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
      'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
      'deployment "web" successfully rolled out',
    ]);
  });

  it('--watch=false prints where it stands once', async () => {
    polls = 0;
    const result = await runCli(fake.url, [
      'rollout',
      'status',
      'deploy/web',
      '-n',
      'team-a',
      '--watch=false',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      'Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are available...',
    );
  });

  it('--timeout ends a rollout that does not finish with exit 1', async () => {
    const result = await runCli(fake.url, [
      'rollout',
      'status',
      'deployment/stuck',
      '--timeout',
      '1s',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout.trim()).toBe('Waiting for deployment spec update to be observed...');
    expect(result.stderr).toMatch(/timed out waiting for the condition/);
  });

  it('restart patches the template with a restartedAt annotation', async () => {
    fake.requests.length = 0;
    const result = await runCli(fake.url, ['rollout', 'restart', 'deployment/web', '-n', 'team-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^deployment.apps\/web restarted$/m);
    const [patch] = fake.requestsTo('PATCH', PATH);
    const at = (
      patch.body as {
        spec: { template: { metadata: { annotations: Record<string, string> } } };
      }
    ).spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'];
    expect(Date.now() - Date.parse(at)).toBeLessThan(60_000);
  });

  it('job/pi is a usage error, sending nothing', async () => {
    fake.requests.length = 0;
    const result = await runCli(fake.url, ['rollout', 'status', 'job/pi']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected deployment\/NAME or daemonset\/NAME/);
    expect(fake.requests).toEqual([]);
  });
});
