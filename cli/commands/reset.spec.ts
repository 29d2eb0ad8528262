import { FakeKubesim } from '../testing/fake-kubesim';
import { aNode, aPod } from '../testing/fixtures';
import { runCli } from '../testing/run-cli';

describe('reset', () => {
  let fake: FakeKubesim;

  beforeEach(async () => {
    fake = await FakeKubesim.start();
    fake.on('GET', '/pods', { body: [aPod({ id: 7, name: 'web' }), aPod({ id: 8, name: 'db' })] });
    fake.on('GET', '/nodes', { body: [aNode({ id: 1, name: 'worker-1' })] });
    for (const path of ['/pods/7', '/pods/8', '/nodes/1'])
      fake.on('DELETE', path, { body: { deleted: true } });
  });
  afterEach(() => fake.stop());

  const deletions = () => fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path);

  it('--yes deletes every pod, then every node, without asking', async () => {
    const result = await runCli(fake.url, ['reset', '--yes']);

    expect(result.code).toBe(0);
    expect(deletions().slice(0, 2).sort()).toEqual(['/pods/7', '/pods/8']);
    expect(deletions()[2]).toBe('/nodes/1');
    expect(result.stdout).toBe('deleted 2 pods and 1 node\n');
    expect(fake.requestsTo('GET', '/pods')[0].query).toEqual({ limit: '1000', offset: '0' });
  });

  it('refuses without --yes when there is no terminal to ask on, deleting nothing', async () => {
    const result = await runCli(fake.url, ['reset'], { stdin: '', stdinIsTTY: false });

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass --yes to confirm \(there is no terminal to ask on\)/);
    expect(deletions()).toEqual([]);
  });

  it('asks on a terminal and goes on only on yes', async () => {
    const no = await runCli(fake.url, ['reset'], { stdin: 'n\n' });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain(`Delete all 1 node and 2 pods at ${fake.url}? [y/N] `);
    expect(no.stderr).toContain('reset cancelled: nothing was deleted');
    expect(deletions()).toEqual([]);

    const yes = await runCli(fake.url, ['reset'], { stdin: 'y\n' });
    expect(yes.code).toBe(0);
    expect(deletions()).toHaveLength(3);
  });
});
