import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { runCli } from '../testing/run-cli';

describe('kubeconfig', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kubesim-kubeconfig-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a context for the server, without a user token when none is set', async () => {
    const result = await runCli('http://127.0.0.1:4000', ['kubeconfig'], { env: { HOME: dir } });
    expect(result.code).toBe(0);
    const config = YAML.parse(result.stdout);
    expect(config).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'kubesim',
      clusters: [
        {
          name: 'kubesim',
          cluster: { server: 'http://127.0.0.1:4000', 'insecure-skip-tls-verify': true },
        },
      ],
      contexts: [
        { name: 'kubesim', context: { cluster: 'kubesim', user: 'kubesim', namespace: 'default' } },
      ],
      users: [{ name: 'kubesim', user: {} }],
    });
  });

  it('carries KUBESIM_API_TOKEN as the user token', async () => {
    const result = await runCli('http://127.0.0.1:4000', ['kubeconfig', '--context', 'lab'], {
      env: { KUBESIM_API_TOKEN: 's3cret', HOME: dir },
    });
    expect(YAML.parse(result.stdout).users).toEqual([{ name: 'lab', user: { token: 's3cret' } }]);
  });

  it('--write merges into ~/.kube/config, keeping the other contexts', async () => {
    const path = join(dir, '.kube', 'config');
    const first = await runCli('http://127.0.0.1:4000', ['kubeconfig', '--write'], {
      env: { HOME: dir },
    });
    expect(first.code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const theirs = YAML.parse(readFileSync(path, 'utf8'));
    theirs.clusters.push({ name: 'prod', cluster: { server: 'https://prod:6443' } });
    theirs.contexts.push({ name: 'prod', context: { cluster: 'prod', user: 'prod' } });
    theirs.users.push({ name: 'prod', user: { token: 'p' } });
    theirs['current-context'] = 'prod';
    writeFileSync(path, YAML.stringify(theirs));

    const again = await runCli('http://127.0.0.1:5000', ['kubeconfig', '--write'], {
      env: { HOME: dir },
    });

    expect(again.code).toBe(0);
    expect(again.stderr).toContain(`written to ${path}`);
    const merged = YAML.parse(readFileSync(path, 'utf8'));
    expect(merged['current-context']).toBe('kubesim');
    expect(merged.clusters).toEqual([
      { name: 'prod', cluster: { server: 'https://prod:6443' } },
      {
        name: 'kubesim',
        cluster: { server: 'http://127.0.0.1:5000', 'insecure-skip-tls-verify': true },
      },
    ]);
    expect(merged.contexts.map((c: { name: string }) => c.name)).toEqual(['prod', 'kubesim']);
  });

  it('--write refuses a file that is not a kubeconfig, leaving it as it was', async () => {
    const path = join(dir, 'config');
    writeFileSync(path, '- just\n- a list\n');
    const result = await runCli('http://127.0.0.1:4000', [
      'kubeconfig',
      '--write',
      '--kubeconfig',
      path,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('is not a kubeconfig');
    expect(readFileSync(path, 'utf8')).toBe('- just\n- a list\n');
  });
});
