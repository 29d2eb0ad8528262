import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';
import { quantity } from './top';

describe('top nodes|pods', () => {
  let fake: FakeKubesim;

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    fake
      .on('GET', '/apis/metrics.k8s.io/v1beta1/nodes', {
        body: {
          items: [
            { metadata: { name: 'w-1' }, usage: { cpu: '900m', memory: '307200Ki' } },
            { metadata: { name: 'w-2' }, usage: { cpu: '2', memory: '4Gi' } },
          ],
        },
      })
      .on('GET', '/api/v1/nodes', {
        body: {
          items: [
            { metadata: { name: 'w-1' }, status: { allocatable: { cpu: '2', memory: '8Gi' } } },
            { metadata: { name: 'w-2' }, status: { allocatable: { cpu: '4', memory: '16Gi' } } },
          ],
        },
      })
      .on('GET', '/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods', {
        body: {
          items: [
            {
              metadata: { name: 'hot', namespace: 'team-a' },
              containers: [
                { name: 'a', usage: { cpu: '600m', memory: '204800Ki' } },
                { name: 'b', usage: { cpu: '300m', memory: '102400Ki' } },
              ],
            },
          ],
        },
      })
      .on('GET', '/apis/metrics.k8s.io/v1beta1/pods', { body: { items: [] } });
  });
  afterAll(() => fake.stop());

  it.each([
    ['900m', 0.9],
    ['2', 2],
    ['307200Ki', 307200 * 1024],
    ['8Gi', 8 * 1024 ** 3],
    ['1500m', 1.5],
    ['lots', NaN],
  ])('reads the quantity %s as %d', (text, value) => {
    expect(quantity(text)).toBe(value);
  });

  it('nodes: use in millicores and MiB, and the share of what each node can allocate', async () => {
    const result = await runCli(fake.url, ['top', 'nodes']);
    expect(result.code).toBe(0);
    const rows = result.stdout
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%']);
    expect(rows.slice(1)).toEqual([
      ['w-1', '900m', '45%', '300Mi', '4%'],
      ['w-2', '2000m', '50%', '4096Mi', '25%'],
    ]);
  });

  it('pods: the sum of each pod containers, in the namespace asked', async () => {
    const result = await runCli(fake.url, ['top', 'pods', '-n', 'team-a']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(result.stdout).toMatch(/hot\s+900m\s+300Mi/);
    const all = await runCli(fake.url, ['top', 'pods', '-A']);
    expect(all.stdout.trim()).toBe('no pod has reported its use yet');
  });

  it('anything else is a usage error, sending nothing', async () => {
    fake.requests.length = 0;
    const result = await runCli(fake.url, ['top', 'services']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/expected nodes or pods/);
    expect(fake.requests).toEqual([]);
  });
});
