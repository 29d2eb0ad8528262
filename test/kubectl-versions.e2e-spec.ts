import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { healthyNode, startTestApp, TestApp } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * Every kubectl from 1.27 to 1.33 drives kubesim the same way: the binaries the machine image
 * ships beside the one on PATH (`kubectl.1.27` …), each with a kubeconfig and cache of its own.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;
const VERSIONS = ['1.27', '1.28', '1.29', '1.30', '1.31', '1.32', '1.33'];

/** Where `kubectl.1.27` … stand: beside the real kubectl that PATH leads to. */
function binaries(): Record<string, string> {
  const onPath = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
  const dir = dirname(realpathSync(onPath));
  const out: Record<string, string> = {};
  for (const v of VERSIONS) {
    const bin = join(dir, `kubectl.${v}`);
    if (!existsSync(bin))
      throw new Error(
        `${bin} is missing: this suite drives kubectl ${VERSIONS.join(', ')} (set KUBESIM_SKIP_KUBECTL=1 to skip the kubectl suites on purpose)`,
      );
    out[v] = bin;
  }
  return out;
}

suite('kubectl 1.27 to 1.33 against kubesim', () => {
  let t: TestApp;
  let bins: Record<string, string>;

  beforeAll(async () => {
    bins = binaries();
    t = await startTestApp();
    await healthyNode(t, 'v-node', 4);
  }, 60000);
  afterAll(async () => {
    await t?.close();
  });

  it.each(VERSIONS)(
    'kubectl %s: version, get, apply with validation, label, describe, delete',
    async (v) => {
      const k = new Kubectl(bins[v]);
      try {
        await k.configure(t.baseUrl);
        const version = JSON.parse(await k.ok('version', '-o', 'json'));
        expect(version.clientVersion.minor.replace('+', '')).toBe(v.split('.')[1]);
        expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+/);
        expect(await k.ok('get', 'nodes')).toMatch(/^v-node\s+Ready\s/m);
        const name = `pod-${v.replace('.', '-')}`;
        const applied = await k.run(
          ['apply', '-f', '-'],
          `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {app: versions}}
spec:
  containers:
  - name: main
    image: busybox:1.36
    resources: {requests: {cpu: 100m, memory: 16Mi}}
`,
        );
        expect(applied.stdout).toBe(`pod/${name} created\n`);
        expect(applied.code).toBe(0);
        expect(await k.ok('get', 'pod', name, '-o', 'jsonpath={.spec.nodeName}')).toBe('v-node');
        expect(await k.ok('label', 'pod', name, `kubectl=${v.replace('.', '-')}`)).toBe(
          `pod/${name} labeled\n`,
        );
        expect(await k.ok('get', 'pods', '-l', `kubectl=${v.replace('.', '-')}`)).toMatch(
          new RegExp(`^${name}\\s`, 'm'),
        );
        expect(await k.ok('describe', 'pod', name)).toMatch(new RegExp(`^Name:\\s+${name}$`, 'm'));
        const missing = await k.run(['get', 'pod', 'nope']);
        expect(missing.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
        expect(await k.ok('delete', 'pod', name)).toBe(`pod "${name}" deleted\n`);
      } finally {
        k.close();
      }
    },
    60000,
  );
});
