import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubesim } from '../testing/fake-kubesim';
import { runCli } from '../testing/run-cli';
import { manifestsOf } from './apply';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2}
`;
const SERVICE = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: team-a}
spec: {selector: {app: web}, ports: [{port: 80}]}
`;

describe('manifestsOf: the objects of a manifest file', () => {
  it('reads every document, opens a List, skips empty documents', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n`;
    const objects = manifestsOf(`${DEPLOYMENT}---\n---\n${SERVICE}---\n${list}`, 'f.yaml');
    expect(objects.map((o) => `${o.kind}/${o.metadata!.name}`)).toEqual([
      'Deployment/web',
      'Service/web',
      'Pod/a',
      'Pod/b',
    ]);
  });

  it.each([
    ['kind: Deployment\nmetadata: {name: x}\n', /document 1 is not a Kubernetes object/],
    ['apiVersion: v1\nkind: Pod\nmetadata: {name: [unclosed\n', /document 1 is not valid YAML/],
    ['', /no objects to apply/],
  ])('%j is refused: %s', (text, message) => {
    expect(() => manifestsOf(text, 'f.yaml')).toThrow(message);
  });
});

describe('kubesim apply -f against a server', () => {
  let fake: FakeKubesim;
  const dir = mkdtempSync(join(tmpdir(), 'kubesim-apply-'));
  const file = join(dir, 'app.yaml');
  writeFileSync(file, `${DEPLOYMENT}---\n${SERVICE}`);

  beforeAll(async () => {
    fake = await FakeKubesim.start();
    fake
      .on('GET', '/api/v1', {
        body: { resources: [{ name: 'services', kind: 'Service', namespaced: true }] },
      })
      .on('GET', '/apis', {
        body: { groups: [{ preferredVersion: { groupVersion: 'apps/v1' } }] },
      })
      .on('GET', '/apis/apps/v1', {
        body: { resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true }] },
      })
      // the Deployment is new, the Service exists
      .on('GET', '/apis/apps/v1/namespaces/default/deployments/web', {
        status: 404,
        body: { kind: 'Status', code: 404, message: 'deployments.apps "web" not found' },
      })
      .on('POST', '/apis/apps/v1/namespaces/default/deployments', { status: 201, body: {} })
      .on('GET', '/api/v1/namespaces/team-a/services/web', { body: {} })
      .on('PATCH', '/api/v1/namespaces/team-a/services/web', { body: {} });
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates what is new and merges into what exists, a line each as kubectl prints them', async () => {
    fake.requests.length = 0;
    const result = await runCli(fake.url, ['apply', '-f', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('deployment.apps/web created\nservice/web configured\n');
    expect(fake.requests.filter((r) => r.method !== 'GET').map((r) => [r.method, r.path])).toEqual([
      ['POST', '/apis/apps/v1/namespaces/default/deployments'],
      ['PATCH', '/api/v1/namespaces/team-a/services/web'],
    ]);
  });

  it('reads standard input with -f -, and -n places the objects that name no namespace', async () => {
    fake.on('GET', '/apis/apps/v1/namespaces/team-a/deployments/web', { body: {} });
    fake.on('PATCH', '/apis/apps/v1/namespaces/team-a/deployments/web', { body: {} });
    const result = await runCli(fake.url, ['apply', '-f', '-', '-n', 'team-a'], {
      stdin: DEPLOYMENT,
      stdinIsTTY: false,
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('deployment.apps/web configured\n');
  });

  it('a namespace other than the object names is a usage error, applying nothing', async () => {
    fake.requests.length = 0;
    const result = await runCli(fake.url, ['apply', '-f', file, '-n', 'team-b']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/the namespace from the provided object "team-a" does not match/);
    expect(fake.requests).toEqual([]);
  });
});
