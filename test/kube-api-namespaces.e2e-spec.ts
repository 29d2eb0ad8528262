import { kubectlSuite, row, rows } from './setup/kubectl-suite';
import { kubectlCluster } from './setup/kubectl-cluster';
import { pod, TestApp, waitFor } from './setup/test-app';
import { Kubectl } from './setup/kubectl';

/**
 * Namespaces through the real kubectl against the real server on PostgreSQL: the four of
 * every cluster, one of your own with its pods and events, and its deletion. Only stdout and
 * stderr of kubectl are looked at, as a user would.
 */
const suite = kubectlSuite();

suite('the Kubernetes API through kubectl', () => {
  const cluster = kubectlCluster();
  let t: TestApp;
  let k: Kubectl;
  beforeAll(() => ({ t, k } = cluster));

  it('namespaces: the four of every cluster exist and cannot be deleted; missing ones are 404', async () => {
    const out = await k.ok('get', 'namespaces');
    expect(rows(out)[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      expect(row(out, ns)?.[1]).toBe('Active');
    const empty = await k.run(['get', 'pods', '-n', 'kube-system']);
    expect(empty.stderr.trim()).toBe('No resources found in kube-system namespace.');
    const forbidden = await k.run(['delete', 'namespace', 'default']);
    expect(forbidden.stderr.trim()).toBe(
      'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted',
    );
    const system = await k.run(['delete', 'ns', 'kube-system']);
    expect(system.stderr).toContain('namespaces "kube-system" is forbidden');
    const missing = await k.run(['run', 'x', '--image=nginx', '-n', 'nowhere']);
    expect(missing.stderr.trim()).toBe(
      'Error from server (NotFound): namespaces "nowhere" not found',
    );
    const gone = await k.run(['delete', 'ns', 'nowhere']);
    expect(gone.stderr.trim()).toBe('Error from server (NotFound): namespaces "nowhere" not found');
    const bad = await k.run(['create', 'namespace', 'Bad_Name']);
    expect(bad.code).not.toBe(0);
    expect(row(await k.ok('get', 'ns'), 'default')).toBeDefined();
  });

  it('a namespace of your own: pods named as in default, -n and -A, deletion takes its pods', async () => {
    expect(await k.ok('create', 'namespace', 'team-a')).toBe('namespace/team-a created\n');
    const again = await k.run(['create', 'namespace', 'team-a']);
    expect(again.stderr.trim()).toBe(
      'Error from server (AlreadyExists): namespaces "team-a" already exists',
    );
    expect(await k.ok('get', 'ns', 'team-a', '-o', 'jsonpath={.status.phase}')).toBe('Active');
    const yaml = await k.ok('get', 'ns', 'team-a', '-o', 'yaml');
    expect(yaml).toContain('kubernetes.io/metadata.name: team-a');
    expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);

    // the same name in default and in team-a: two pods, two rows in kubesim
    await k.ok('run', 'twin', '--image=busybox:1.36', '-n', 'team-a');
    await k.ok('run', 'twin', '--image=busybox:1.36');
    const inTeam = rows(await k.ok('get', 'pods', '-n', 'team-a'));
    expect(inTeam.map((r) => r[0])).toEqual(['NAME', 'twin']);
    const all = rows(await k.ok('get', 'pods', '-A'));
    expect(all[0].slice(0, 2)).toEqual(['NAMESPACE', 'NAME']);
    expect(
      all
        .filter((r) => r[1] === 'twin')
        .map((r) => r[0])
        .sort(),
    ).toEqual(['default', 'team-a']);
    const rest = (await t.http.get('/pods?namespace=team-a').expect(200)).body;
    expect(rest.map((p: { name: string; namespace: string }) => [p.namespace, p.name])).toEqual([
      ['team-a', 'twin'],
    ]);
    const bare = (await t.http.get('/pods/twin').expect(200)).body;
    expect(bare.namespace).toBe('default');
    const other = (await t.http.get('/pods/twin?namespace=team-a').expect(200)).body;
    expect(other.namespace).toBe('team-a');
    expect(other.id).not.toBe(bare.id);

    // events are in their pod's namespace
    await waitFor('the Scheduled event in team-a', async () => {
      const ev = rows(await k.ok('get', 'events', '-n', 'team-a'));
      return ev.some((r) => r[2] === 'Scheduled' && r[3] === 'pod/twin');
    });
    const teamEvents = (await t.http.get('/events?namespace=team-a').expect(200)).body;
    expect(teamEvents.length).toBeGreaterThan(0);
    expect(teamEvents.every((e: { namespace: string }) => e.namespace === 'team-a')).toBe(true);

    // labels and selectors on namespaces; apply of a Namespace manifest
    await k.ok('label', 'ns', 'team-a', 'tier=dev');
    expect(rows(await k.ok('get', 'ns', '-l', 'tier=dev')).map((r) => r[0])).toEqual([
      'NAME',
      'team-a',
    ]);
    // kubectl replace of a namespace: its labels from the whole object
    const ns = JSON.parse(await k.ok('get', 'ns', 'team-a', '-o', 'json'));
    ns.metadata.labels.owner = 'alice';
    const replacedNs = await k.run(['replace', '-f', '-'], JSON.stringify(ns));
    expect(replacedNs).toMatchObject({ code: 0, stdout: 'namespace/team-a replaced\n' });
    expect(JSON.parse(await k.ok('get', 'ns', 'team-a', '-o', 'json')).metadata.labels).toEqual({
      'kubernetes.io/metadata.name': 'team-a',
      tier: 'dev',
      owner: 'alice',
    });
    const applied = await k.run(
      ['apply', '-f', '-'],
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n  labels: { tier: prod }\n',
    );
    expect(applied.stdout).toBe('namespace/team-b created\n');
    expect(await k.ok('get', 'ns', '-l', 'tier=prod', '-o', 'name')).toBe('namespace/team-b\n');

    // deletion: Terminating, the pods go (with their events), then the namespace; new pods refused
    const watch = k.watch('get', 'ns', 'team-a', '-w', '--no-headers');
    await waitFor('the watch', async () => watch.output().includes('team-a'));
    const del = await k.run(['delete', 'ns', 'team-a']);
    expect(del.stdout).toBe('namespace "team-a" deleted\n');
    expect(del.code).toBe(0);
    const after = await k.run(['get', 'ns', 'team-a']);
    expect(after.stderr.trim()).toBe('Error from server (NotFound): namespaces "team-a" not found');
    expect(
      rows(await k.ok('get', 'pods', '-A'))
        .filter((r) => r[1] === 'twin')
        .map((r) => r[0]),
    ).toEqual(['default']);
    await t.http.get('/pods/twin?namespace=team-a').expect(404);
    await t.http.get('/pods/twin').expect(200);
    await waitFor('Terminating in the watch', async () =>
      /team-a\s+Terminating/.test(watch.output()),
    );
    const killing = (await t.http.get('/events?namespace=team-a&reason=Killing').expect(200)).body;
    expect(killing.map((e: { object: string }) => e.object)).toEqual(['pod/twin']);
  });

  it('a Terminating namespace takes no new pods (403); REST pod creation checks the namespace', async () => {
    await k.ok('create', 'namespace', 'slow');
    // a pod the deletion has to take (kubesim deletes fast: the race is made, not waited for)
    await t.http
      .post('/pods')
      .send({ ...pod('in-slow', 0.1), namespace: 'slow' })
      .expect(201);
    const created = (await t.http.get('/pods/in-slow?namespace=slow').expect(200)).body;
    expect(created.namespace).toBe('slow');
    const missing = await t.http
      .post('/pods')
      .send({ ...pod('lost', 0.1), namespace: 'nowhere' })
      .expect(404);
    expect(missing.body.message).toBe('namespace "nowhere" not found');
    const badNs = await t.http.post('/pods').send({ ...pod('lost', 0.1), namespace: 'No!' });
    expect(badNs.status).toBe(400);
    await t.sql(
      `UPDATE namespaces SET status = 'Terminating', deleted_at = now() WHERE name = 'slow'`,
    );
    const refused = await k.run(['run', 'late', '--image=nginx', '-n', 'slow']);
    expect(refused.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "late" is forbidden: unable to create new content in namespace slow because it is being terminated',
    );
    const restRefused = await t.http
      .post('/pods')
      .send({ ...pod('late', 0.1), namespace: 'slow' })
      .expect(403);
    expect(restRefused.body.message).toBe(
      'unable to create new content in namespace slow because it is being terminated',
    );
    expect(await k.ok('get', 'ns', 'slow', '-o', 'jsonpath={.status.phase}')).toBe('Terminating');
    // deleting again carries the deletion through, and answers once it is done: kubectl's
    // wait (a list, then a watch) must find it gone, as a watch cannot tell what went before
    await t.http.delete('/api/v1/namespaces/slow').expect(200);
    expect(await t.sql(`SELECT name FROM namespaces WHERE name = 'slow'`)).toEqual([]);
    expect((await k.run(['get', 'ns', 'slow'])).stderr.trim()).toBe(
      'Error from server (NotFound): namespaces "slow" not found',
    );
    await t.http.get('/pods/in-slow?namespace=slow').expect(404);
  });
});
