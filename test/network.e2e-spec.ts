import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runCli } from '../cli/testing/run-cli';
import { startProcessCluster, waitForNode } from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';

/**
 * Services and NetworkPolicies end to end: the real server on PostgreSQL, real agents
 * (process runtime) running the pods, and the real kubectl applying the objects.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';
const suite = SKIP ? describe.skip : describe;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

class Kubectl {
  readonly dir = mkdtempSync(join(tmpdir(), 'kubesim-kubectl-'));
  readonly kubeconfig = join(this.dir, 'config');

  async configure(server: string): Promise<void> {
    const result = await runCli(server, ['kubeconfig', '--write', '--kubeconfig', this.kubeconfig]);
    if (result.code !== 0) throw new Error(`kubesim kubeconfig failed: ${result.stderr}`);
  }

  run(args: string[], input?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', this.kubeconfig, '--cache-dir', join(this.dir, 'cache'), ...args],
        { env: { PATH: process.env.PATH, HOME: this.dir }, timeout: 60000 },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            stdout,
            stderr,
          }),
      );
      child.stdin?.end(input ?? '');
    });
  }

  async ok(args: string[], input?: string): Promise<string> {
    const result = await this.run(args, input);
    if (result.code !== 0)
      throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout;
  }

  apply(yaml: string): Promise<string> {
    return this.ok(['apply', '-f', '-'], yaml);
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s{2,}/));
const row = (stdout: string, name: string) => rows(stdout).find((r) => r[0] === name);

const podYaml = (name: string, labels: Record<string, string>) => `
apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}
spec:
  containers:
    - name: main
      image: busybox:1.36
      resources: { requests: { cpu: 100m, memory: 16Mi } }
`;

const SERVICE_YAML = `
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: { app: web }
  ports:
    - name: http
      port: 80
      targetPort: 8080
`;

const POLICIES_YAML = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny-ingress
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-client-to-web
spec:
  podSelector:
    matchLabels: { app: web }
  ingress:
    - from:
        - podSelector:
            matchLabels: { role: client }
      ports:
        - protocol: TCP
          port: 8080
`;

const CHROMIUM = '/usr/bin/chromium';

/** Opens the dashboard, asks for the port, and checks that exactly from → to is green. */
async function dashboardShows(baseUrl: string, port: string, from: string, to: string) {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: the network view is checked in it`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(baseUrl);
    await page.getByTestId('network-port').fill(port);
    await page.getByTestId('network-port').dispatchEvent('change');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="network-cell"]').length > 0,
    );
    await page.waitForFunction(
      ([f, t]) => {
        const cells = Array.from(
          document.querySelectorAll<HTMLElement>('[data-testid="network-cell"]'),
        );
        const green = cells.filter((c) => c.dataset.allowed === 'true');
        return green.length === 1 && green[0].dataset.from === f && green[0].dataset.to === t;
      },
      [from, to],
      { timeout: 10000 },
    );
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
}

beforeAll(() => {
  if (SKIP) return;
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'kubectl is not on PATH: the network suite needs it. Install kubectl, or set KUBESIM_SKIP_KUBECTL=1 to skip it on purpose.',
    );
  }
});

suite('Services and NetworkPolicies with real agents and kubectl', () => {
  let t: TestApp;
  let k: Kubectl;

  const podIp = async (name: string) =>
    JSON.parse(await k.ok(['get', 'pod', name, '-o', 'json'])).status.podIP as string;
  const ready = (name: string) =>
    k.ok(['wait', '--for=condition=Ready', `pod/${name}`, '--timeout=30s']);
  const endpointIps = async (name: string) => {
    const ep = JSON.parse(await k.ok(['get', 'endpoints', name, '-o', 'json']));
    return (ep.subsets ?? [])
      .flatMap((s: { addresses?: Array<{ ip: string }> }) => s.addresses ?? [])
      .map((a: { ip: string }) => a.ip)
      .sort();
  };

  beforeAll(async () => {
    t = await startProcessCluster();
    k = new Kubectl();
    await k.configure(t.baseUrl);
    await t.http.post('/nodes').send({ name: 'agent-1', cpu_cores: 4 }).expect(201);
    await waitForNode(t, 'agent-1', 'healthy');
    for (const [name, labels] of [
      ['web-1', { app: 'web' }],
      ['client', { role: 'client' }],
      ['other', { role: 'other' }],
      ['db', { app: 'db' }],
    ] as const)
      await k.apply(podYaml(name, labels));
    for (const name of ['web-1', 'client', 'other', 'db']) await ready(name);
  }, 90000);
  afterAll(async () => {
    k?.close();
    await t?.close();
  });

  it('kubectl apply makes a Service with a cluster IP; its endpoints follow its pods', async () => {
    expect(await k.apply(SERVICE_YAML)).toContain('service/web created');
    const out = await k.ok(['get', 'svc']);
    expect(rows(out)[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(row(out, 'web')).toEqual([
      'web',
      'ClusterIP',
      expect.stringMatching(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/),
      '<none>',
      '80/TCP',
      expect.stringMatching(/^\d+s$/),
    ]);
    const ip1 = await podIp('web-1');
    expect(await endpointIps('web')).toEqual([ip1]);
    expect(row(await k.ok(['get', 'endpoints']), 'web')?.[1]).toBe(`${ip1}:8080`);

    // a pod added: it joins once it runs
    await k.apply(podYaml('web-2', { app: 'web' }));
    await ready('web-2');
    const ip2 = await podIp('web-2');
    await waitFor('web-2 among the endpoints', async () =>
      (await endpointIps('web')).length === 2 ? true : null,
    );
    expect(await endpointIps('web')).toEqual([ip1, ip2].sort());
    const slices = await k.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']);
    expect(rows(slices)[0]).toEqual(['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']);
    expect(rows(slices)[1]).toEqual([
      expect.stringMatching(/^web-[0-9a-f]{5}$/),
      'IPv4',
      '8080',
      expect.stringContaining(ip2),
      expect.any(String),
    ]);

    // a pod deleted: it leaves
    await k.ok(['delete', 'pod', 'web-1']);
    expect(await endpointIps('web')).toEqual([ip2]);
    expect(await k.ok(['describe', 'svc', 'web'])).toMatch(new RegExp(`Endpoints:\\s+${ip2}:8080`));
    // applied again with another port: patched, the cluster IP kept
    const ip = JSON.parse(await k.ok(['get', 'svc', 'web', '-o', 'json'])).spec.clusterIP;
    expect(await k.apply(SERVICE_YAML.replace('port: 80', 'port: 81'))).toContain(
      'service/web configured',
    );
    expect(row(await k.ok(['get', 'svc']), 'web')?.slice(2, 5)).toEqual([ip, '<none>', '81/TCP']);
    expect(await k.apply(SERVICE_YAML)).toContain('service/web configured');

    // kubesim's own CLI lists it too
    const cli = await runCli(t.baseUrl, ['get', 'services']);
    expect(cli.stdout).toMatch(/default\s+web\s+ClusterIP\s+10\.96\.\d+\.\d+\s+80\/TCP/);
  });

  it('kubectl expose pod makes a Service selecting that pod; a watch sees it come', async () => {
    const watch = fetch(
      `${t.baseUrl}/api/v1/namespaces/default/services?watch=true&timeoutSeconds=3&resourceVersion=${Date.now()}`,
    ).then((res) => res.text());
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await k.ok(['expose', 'pod', 'db', '--port', '5432'])).toContain('service/db exposed');
    const svc = JSON.parse(await k.ok(['get', 'svc', 'db', '-o', 'json']));
    expect(svc.spec).toMatchObject({
      selector: { app: 'db' },
      ports: [{ port: 5432, targetPort: 5432, protocol: 'TCP' }],
    });
    expect(await endpointIps('db')).toEqual([await podIp('db')]);
    const events = (await watch)
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: { metadata: { name: string } } });
    // (a watch also resends what changed just before its resourceVersion)
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toContain('ADDED db');
  });

  it('bad Service manifests are refused with the reasons, changing nothing', async () => {
    const bad = await k.run(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Service\nmetadata: { name: bad }\nspec:\n  type: NodePort\n  ports: [{ port: 80, nodePort: 80 }]\n',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('spec.ports[0].nodePort: Invalid value: 80');
    expect((await k.run(['get', 'svc', 'bad'])).stderr.trim()).toBe(
      'Error from server (NotFound): services "bad" not found',
    );
  });

  it('a namespace that does not exist: its lists are empty, a Service or policy in it is NotFound', async () => {
    for (const kind of ['svc', 'endpoints', 'endpointslices', 'networkpolicies']) {
      const list = await k.run(['get', kind, '-n', 'no-such-ns']);
      expect(list.code).toBe(0);
      expect(list.stderr.trim()).toBe('No resources found in no-such-ns namespace.');
    }
    for (const manifest of [
      'apiVersion: v1\nkind: Service\nmetadata: { name: lost, namespace: no-such-ns }\nspec:\n  ports: [{ port: 80 }]\n',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: lost, namespace: no-such-ns }\nspec:\n  podSelector: {}\n',
    ]) {
      const made = await k.run(['create', '-f', '-'], manifest);
      expect(made.code).toBe(1);
      expect(made.stderr).toContain('namespaces "no-such-ns" not found');
    }
    // and the server is still there
    expect((await k.run(['get', 'svc'])).code).toBe(0);
  });

  it('a default deny plus one allow lets exactly the intended pair through', async () => {
    const before = await t.http
      .get('/network/reachability?from=other&to=web-2&port=8080')
      .expect(200);
    expect(before.body).toMatchObject({ allowed: true, policies: [] });

    const applied = await k.apply(POLICIES_YAML);
    expect(applied).toContain('networkpolicy.networking.k8s.io/default-deny-ingress created');
    expect(applied).toContain('networkpolicy.networking.k8s.io/allow-client-to-web created');
    expect(row(await k.ok(['get', 'netpol']), 'allow-client-to-web')?.[1]).toBe('app=web');

    const ask = (q: string) => t.http.get(`/network/reachability?${q}`).expect(200);
    expect((await ask('from=client&to=default/web-2&port=8080')).body).toMatchObject({
      allowed: true,
      policies: ['default/allow-client-to-web'],
    });
    expect((await ask('from=other&to=web-2&port=8080')).body).toMatchObject({
      allowed: false,
      policies: ['default/allow-client-to-web', 'default/default-deny-ingress'],
    });
    expect((await ask('from=client&to=web-2&port=9090')).body.allowed).toBe(false);
    expect((await ask('from=client&to=db&port=5432')).body).toMatchObject({
      allowed: false,
      policies: ['default/default-deny-ingress'],
    });
    // through the Service: port 80 is the pods' 8080
    const viaService = (await ask('from=client&to=web&port=80')).body;
    expect(viaService).toMatchObject({ allowed: true, to: 'service default/web' });
    expect(viaService.endpoints).toEqual([
      expect.objectContaining({ pod: 'default/web-2', port: 8080, allowed: true }),
    ]);
    expect((await ask('from=other&to=web&port=80')).body.allowed).toBe(false);

    // the matrix on 8080: one allowed cell, client → web-2
    const matrix = (await t.http.get('/network/matrix?namespace=default&port=8080').expect(200))
      .body;
    const allowed: string[] = [];
    matrix.pods.forEach((from: string, i: number) =>
      matrix.pods.forEach((to: string, j: number) => {
        if (matrix.allowed[i][j]) allowed.push(`${from} -> ${to}`);
      }),
    );
    expect(allowed).toEqual(['default/client -> default/web-2']);

    // the CLI: exit 0 with the reason, 1 when denied
    const yes = await runCli(t.baseUrl, ['can-reach', 'client', 'web-2', '--port', '8080']);
    expect(yes.code).toBe(0);
    expect(yes.stdout).toMatch(/^allowed: .*allow-client-to-web/);
    const no = await runCli(t.baseUrl, ['can-reach', 'other', 'web-2', '--port', '8080']);
    expect(no.code).toBe(1);
    expect(no.stdout).toMatch(/^denied: .*default-deny-ingress/);

    // the dashboard draws the same matrix, updated as the policies change
    await dashboardShows(t.baseUrl, '8080', 'default/client', 'default/web-2');

    // deleting the deny opens the rest again
    await k.ok(['delete', 'netpol', 'default-deny-ingress']);
    expect((await ask('from=client&to=db&port=5432')).body.allowed).toBe(true);
    expect((await ask('from=other&to=web-2&port=8080')).body.allowed).toBe(false);
  });

  it('bad queries answer 400 or 404 with a message', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['/network/reachability?to=web-2&port=80', 400, /from is required/],
      ['/network/reachability?from=client&to=web-2', 400, /port is required/],
      ['/network/reachability?from=client&to=web-2&port=99999', 400, /port "99999"/],
      ['/network/reachability?from=client&to=web-2&port=80&protocol=ICMP', 400, /protocol/],
      ['/network/reachability?from=Bad_Name&to=web-2&port=80', 400, /is not <namespace>\/<name>/],
      ['/network/reachability?from=nope&to=web-2&port=80', 404, /pod "default\/nope" not found/],
      ['/network/reachability?from=client&to=nope&port=80', 404, /neither a pod nor a Service/],
      ['/network/matrix?port=0', 400, /port "0"/],
    ];
    for (const [url, status, message] of cases) {
      const res = await t.http.get(url);
      expect({ url, status: res.status }).toEqual({ url, status });
      expect(String(res.body.message)).toMatch(message);
    }
  });

  it('kubectl replace changes a NetworkPolicy and a Service; a stale replace is a Conflict', async () => {
    const policy = JSON.parse(await k.ok(['get', 'netpol', 'allow-client-to-web', '-o', 'json']));
    policy.spec.ingress[0].ports.push({ protocol: 'TCP', port: 9090 });
    expect(await k.ok(['replace', '-f', '-'], JSON.stringify(policy))).toBe(
      'networkpolicy.networking.k8s.io/allow-client-to-web replaced\n',
    );
    const now = await t.http
      .get('/network/reachability?from=client&to=web-2&port=9090')
      .expect(200);
    expect(now.body).toMatchObject({ allowed: true, policies: ['default/allow-client-to-web'] });
    // the object read before that replace names a version that is gone
    const stale = await k.run(['replace', '-f', '-'], JSON.stringify(policy));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/Conflict.*the object has been modified/);

    const service = JSON.parse(await k.ok(['get', 'svc', 'web', '-o', 'json']));
    const ip = service.spec.clusterIP;
    service.metadata.labels = { ...(service.metadata.labels ?? {}), tier: 'front' };
    expect(await k.ok(['replace', '-f', '-'], JSON.stringify(service))).toBe(
      'service/web replaced\n',
    );
    const replaced = JSON.parse(await k.ok(['get', 'svc', 'web', '-o', 'json']));
    expect(replaced.metadata.labels.tier).toBe('front');
    expect(replaced.spec.clusterIP).toBe(ip);
  });

  it('kubectl delete svc removes the Service and its endpoints', async () => {
    expect(await k.ok(['delete', 'svc', 'web'])).toContain('service "web" deleted');
    expect((await k.run(['get', 'endpoints', 'web'])).stderr.trim()).toBe(
      'Error from server (NotFound): endpoints "web" not found',
    );
  });
});
