import { existsSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { launchChromium, saveScreenshot } from './setup/browser';
import { startProcessCluster } from './setup/cluster';
import { TestApp, waitFor } from './setup/test-app';
import { deployment, job, KubeObject } from './setup/workload-manifests';

/**
 * The dashboard's workloads view, resource-use charts and lessons panel in a real headless
 * Chromium, against the real app with real agents (child processes): a lesson started from
 * the page and followed to its end, then a Deployment applied through the Kubernetes API,
 * scaled and restarted with the view's buttons, the use its pods' agents report drawn, and a
 * Job run to completion. Every run leaves test-results/dashboard-workloads.png;
 * UPDATE_SCREENSHOTS=1 also refreshes the committed docs/screenshots/dashboard-workloads.png.
 * Each test goes on from the one before (the lesson's nodes run the Deployment, the page keeps
 * the token it was given once), so they stay one file; the manifests are in
 * test/setup/workload-manifests.ts.
 */
const UI_TIMEOUT_MS = 20000;
// writes need it: the page asks for it once, then sends it with every write, patches included
const TOKEN = 'dashboard-workloads-token';
const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const auth = { Authorization: `Bearer ${TOKEN}` };
const dep = (name: string) => `[data-testid="deployment"][data-name="${name}"]`;
const rsRow = (name: string) => `[data-testid="replicaset"][data-name="${name}"]`;

describe('dashboard workloads, usage and lessons in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    t = await startProcessCluster({ KUBESIM_API_TOKEN: TOKEN });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(t.baseUrl);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.waitForSelector('[data-testid="sse-status"][data-state="live"]');
  }, 60000);

  afterAll(async () => {
    if (page) await saveScreenshot(page, 'dashboard-workloads-end.png', { publish: false });
    await browser?.close();
    await t?.close();
  });

  async function replicaSetsOf(name: string): Promise<KubeObject[]> {
    const { body } = await t.http.get('/apis/apps/v1/namespaces/default/replicasets').expect(200);
    return (body.items as KubeObject[]).filter((rs) =>
      rs.metadata.ownerReferences?.some((r) => r.kind === 'Deployment' && r.name === name),
    );
  }

  async function podNames(selector: string): Promise<string[]> {
    const { body } = await t.http
      .get(`/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`)
      .expect(200);
    return (body.items as KubeObject[]).map((p) => p.metadata.name).sort();
  }

  const chips = (scope: string) =>
    page
      .locator(`${scope} [data-testid="workload-pod"]`)
      .evaluateAll((els) =>
        els.map((el) => ({ name: el.getAttribute('data-name'), status: el.dataset.status })),
      );

  it('starts a lesson from the Lessons panel and follows its run, step by step, to "passed"', async () => {
    const { body: lessons } = await t.http.get('/scenarios/lessons').expect(200);
    const options = await page
      .locator('[data-testid="lesson-select"] option')
      .evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
    expect(options).toEqual(lessons.map((l: { name: string }) => l.name));

    await page.selectOption('[data-testid="lesson-select"]', 'algorithms');
    expect(await page.textContent('[data-testid="lesson-description"]')).toMatch(
      /^Scheduler algorithms compared/,
    );
    // every status and step count the panel shows, even for a moment
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as Record<string, unknown>).lessonSeen = seen;
      const panel = document.querySelector('[data-testid="lesson-run"]')!;
      new MutationObserver(() => {
        const status = panel.getAttribute('data-status');
        const steps = panel.querySelectorAll('[data-testid="lesson-step"]').length;
        const state = `${status}:${steps}`;
        if (status && seen[seen.length - 1] !== state) seen.push(state);
      }).observe(panel, { subtree: true, childList: true, attributes: true });
    });
    await page.click('[data-testid="lesson-start"]');
    // the first write of the page: the server wants the token, the page asks for it
    await page.waitForSelector('[data-testid="token-dialog"]', { state: 'visible' });
    await page.fill('[data-testid="token-input"]', TOKEN);
    await page.click('[data-testid="token-submit"]');
    await page.waitForSelector('[data-testid="lesson-run"][data-status="passed"]', {
      timeout: 90000,
    });

    const { body: runs } = await t.http.get('/scenarios').expect(200);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'algorithms', status: 'passed', message: null });
    expect(await page.getAttribute('[data-testid="lesson-run"]', 'data-run-id')).toBe(runs[0].id);
    expect(await page.textContent('[data-testid="lesson-run-status"]')).toBe('passed');
    expect(await page.textContent('[data-testid="lesson-run-summary"]')).toMatch(
      /5 of 5 expectations held$/,
    );
    expect(await page.locator('[data-testid="lesson-message"]').isHidden()).toBe(true);
    // every step the server played, newest first, each expectation held
    const steps = page.locator('[data-testid="lesson-step"]');
    expect(await steps.count()).toBe(runs[0].steps.length);
    expect(await page.locator('[data-testid="lesson-step"][data-result="held"]').count()).toBe(5);
    const last = runs[0].steps.at(-1);
    expect(await steps.first().textContent()).toMatch(
      new RegExp(`^\\+\\d+\\.\\ds step ${last.step} expect pods .*: held`),
    );
    // it ran before it passed, and the steps came in as they were played, not all at the end
    const seen = await page.evaluate(
      () => (window as unknown as Record<string, string[]>).lessonSeen,
    );
    expect(seen[0]).toMatch(/^running:/);
    const whileRunning = new Set(seen.filter((s) => s.startsWith('running:')));
    expect(whileRunning.size).toBeGreaterThan(2);
    expect(seen.at(-1)).toBe(`passed:${runs[0].steps.length}`);
    // what the lesson did is on the page too: its two nodes
    for (const node of ['big-1', 'small-1'])
      await page.waitForSelector(`[data-testid="node-row-${node}"][data-status="healthy"]`);
    expect(pageErrors).toEqual([]);
  }, 120000);

  it('shows a run that fails as failed, with the step at fault and why', async () => {
    const passed = await page.getAttribute('[data-testid="lesson-run"]', 'data-run-id');
    // played again, the lesson cannot add the node it added the first time
    await page.selectOption('[data-testid="lesson-select"]', 'algorithms');
    await page.click('[data-testid="lesson-start"]');
    await page.waitForSelector('[data-testid="lesson-run"][data-status="failed"]');
    const id = await page.getAttribute('[data-testid="lesson-run"]', 'data-run-id');
    expect(id).not.toBe(passed);
    const { body: run } = await t.http.get(`/scenarios/${id}`).expect(200);
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/^step 1 \(line \d+\): addNodes big-1 \(8 cpu\) failed: /);
    expect(await page.textContent('[data-testid="lesson-message"]')).toBe(run.message);
    expect(await page.locator('[data-testid="lesson-message"]').isVisible()).toBe(true);
    expect(await page.textContent('[data-testid="lesson-run-status"]')).toBe('failed');
    const failed = page.locator('[data-testid="lesson-step"][data-result="failed"]');
    expect(await failed.count()).toBe(1);
    expect(await failed.textContent()).toMatch(/step 1 addNodes big-1 \(8 cpu\): failed, /);
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('lists a Deployment with its ReplicaSet and pods, and scales it with the Scale dialog', async () => {
    await t.http.post(DEPLOYMENTS).set(auth).send(deployment).expect(201);
    await page.locator('[data-testid="workloads"]').scrollIntoViewIfNeeded();
    await page.waitForSelector(
      `${dep('web')}[data-desired="2"][data-ready="2"][data-available="2"][data-rollout="complete"]`,
      { timeout: 30000 },
    );
    const [rs] = await replicaSetsOf('web');
    const first = `${rsRow(rs.metadata.name)}[data-owner="web"][data-revision="1"]`;
    await page.waitForSelector(`${first}[data-desired="2"][data-ready="2"]`);
    expect(await chips(first)).toEqual(
      (await podNames('app=web')).map((name) => ({ name, status: 'running' })),
    );
    expect(await page.textContent(`${dep('web')} td:nth-child(2)`)).toBe('2/2');

    await page.click(`${dep('web')} [data-testid="scale-deployment"]`);
    await page.waitForSelector('[data-testid="scale-dialog"]', { state: 'visible' });
    expect(await page.textContent('#scale-title')).toBe('Scale deployment web');
    expect(await page.inputValue('[data-testid="scale-replicas"]')).toBe('2');
    await page.fill('[data-testid="scale-replicas"]', '3');
    await page.click('[data-testid="scale-submit"]');
    await page.waitForSelector('[data-testid="toast"]:has-text("Deployment web scaled to 3")');
    // sent with the token the page was given once
    expect(await page.locator('[data-testid="token-dialog"]').isHidden()).toBe(true);
    // the server has it at once; the view follows as the pod comes up
    const { body: scaled } = await t.http.get(`${DEPLOYMENTS}/web`).expect(200);
    expect(scaled.spec.replicas).toBe(3);
    await page.waitForSelector(
      `${dep('web')}[data-desired="3"][data-ready="3"][data-available="3"][data-rollout="complete"]`,
      { timeout: 30000 },
    );
    await page.waitForSelector(`${first}[data-desired="3"][data-ready="3"]`);
    expect(await chips(first)).toHaveLength(3);
    expect(await replicaSetsOf('web')).toHaveLength(1);
    expect(pageErrors).toEqual([]);
  }, 90000);

  it('restarts it as kubectl rollout restart does: a new ReplicaSet grows as the old one shrinks, on screen', async () => {
    const [old] = await replicaSetsOf('web');
    // every (revision: desired/ready) the ReplicaSet rows show, even for a moment
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as Record<string, unknown>).rolloutSeen = seen;
      const body = document.querySelector('#workloads-body')!;
      const note = () => {
        const sets = Array.from(
          body.querySelectorAll<HTMLElement>('[data-testid="replicaset"][data-owner="web"]'),
        ).map((r) => `${r.dataset.revision}:${r.dataset.desired}/${r.dataset.ready}`);
        const rollout = body.querySelector<HTMLElement>('[data-testid="deployment"]')?.dataset
          .rollout;
        const state = `${rollout} ${sets.sort().join(' ')}`;
        if (seen[seen.length - 1] !== state) seen.push(state);
      };
      note();
      new MutationObserver(note).observe(body, { subtree: true, childList: true });
    });
    const before = Date.now();
    await page.click(`${dep('web')} [data-testid="restart-deployment"]`);
    await page.waitForSelector(
      '[data-testid="toast"]:has-text("Rollout restart of deployment web started")',
    );
    const { body: restarted } = await t.http.get(`${DEPLOYMENTS}/web`).expect(200);
    const at = Date.parse(restarted.spec.template.metadata.annotations[RESTARTED_AT]);
    expect(at).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(at).toBeLessThanOrEqual(Date.now());

    await page.waitForSelector(
      `${dep('web')}[data-revision="2"][data-updated="3"][data-available="3"][data-current="3"][data-rollout="complete"]`,
      { timeout: 60000 },
    );
    const sets = await replicaSetsOf('web');
    expect(sets).toHaveLength(2);
    const fresh = sets.find((rs) => rs.metadata.uid !== old.metadata.uid)!;
    expect(fresh.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    await page.waitForSelector(
      `${rsRow(fresh.metadata.name)}[data-revision="2"][data-desired="3"][data-ready="3"]`,
    );
    await page.waitForSelector(`${rsRow(old.metadata.name)}[data-revision="1"][data-desired="0"]`);
    // newest revision first, and the old one's pods are gone from it
    const order = await page
      .locator('[data-testid="replicaset"][data-owner="web"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-revision')));
    expect(order).toEqual(['2', '1']);
    await waitFor(
      'the old pods to go',
      async () => (await chips(rsRow(old.metadata.name))).length === 0,
    );
    expect(await chips(rsRow(fresh.metadata.name))).toEqual(
      (await podNames(`app=web,pod-template-hash=${fresh.metadata.name.split('-').at(-1)}`)).map(
        (name) => ({ name, status: 'running' }),
      ),
    );

    const seen = await page.evaluate(
      () => (window as unknown as Record<string, string[]>).rolloutSeen,
    );
    const desired = (state: string, revision: string) => {
      const m = new RegExp(` ${revision}:(\\d+)/`).exec(state);
      return m ? Number(m[1]) : null;
    };
    // in the middle the page showed both: the new ReplicaSet up and the old not yet down
    expect(seen.some((s) => (desired(s, '2') ?? 0) >= 1 && (desired(s, '1') ?? 0) >= 1)).toBe(true);
    expect(seen.some((s) => s.startsWith('progressing '))).toBe(true);
    // the old one only ever shrank, the new one only ever grew
    const olds = seen.map((s) => desired(s, '1')).filter((v): v is number => v !== null);
    const news = seen.map((s) => desired(s, '2')).filter((v): v is number => v !== null);
    expect(olds).toEqual([...olds].sort((a, b) => b - a));
    expect(news).toEqual([...news].sort((a, b) => a - b));
    expect(olds.at(-1)).toBe(0);
    expect(news.at(-1)).toBe(3);
    expect(pageErrors).toEqual([]);
  }, 120000);

  it("draws a node's and a pod's CPU and memory use, as their agents report it, live", async () => {
    const pod = page.locator(
      '[data-testid="replicaset"][data-owner="web"][data-revision="2"] [data-testid="workload-pod"]',
    );
    const podName = (await pod.first().getAttribute('data-name'))!;
    const node = (await pod.first().getAttribute('data-node'))!;
    expect(node).toMatch(/^(big|small)-1$/);
    await waitFor(`use of ${node} with the pod's 0.5 cores in it`, async () => {
      const { body } = await t.http.get(`/nodes/${node}/usage`).expect(200);
      return body.samples.at(-1)?.cpu >= 0.5;
    });

    await page.click(`[data-testid="node-row-${node}"] .name`);
    await page.waitForSelector('[data-testid="node-detail"][open]');
    const canvas = '[data-testid="node-detail-usage"]';
    await page.waitForFunction((sel) => {
      const el = document.querySelector<HTMLElement>(sel);
      return !!el && Number(el.dataset.points) >= 2 && Number(el.dataset.cpuMax) >= 0.5;
    }, canvas);
    // a real chart with one point per sample, CPU and memory
    const drawn = await page.$eval(canvas, (el) => {
      const chart = (window as any).Chart.getChart(el);
      return {
        points: Number((el as HTMLElement).dataset.points),
        cpu: chart.data.datasets[0].data.length,
        memory: chart.data.datasets[1].data.length,
        labels: chart.data.datasets.map((d: { label: string }) => d.label),
      };
    });
    expect(drawn.cpu).toBe(drawn.points);
    expect(drawn.memory).toBe(drawn.points);
    expect(drawn.labels).toEqual(['CPU (cores)', 'Memory (MiB)']);
    expect(await page.textContent('[data-testid="node-usage-latest"]')).toMatch(
      /^Latest: [\d.]+ cores \(of (8|2)\), \d+ MiB \(of \d+\) · \d+ samples$/,
    );
    // it follows the heartbeats while open: a newer sample comes in without a reload
    const shown = (await page.getAttribute(canvas, 'data-latest-time'))!;
    await page.waitForFunction(
      ([sel, was]) => {
        const el = document.querySelector<HTMLElement>(sel);
        return !!el?.dataset.latestTime && el.dataset.latestTime > was;
      },
      [canvas, shown],
    );
    const { body: usage } = await t.http.get(`/nodes/${node}/usage`).expect(200);
    const times = usage.samples.map((s: { time: string }) => s.time);
    expect(times).toContain(await page.getAttribute(canvas, 'data-latest-time'));
    await page.click('[data-testid="node-detail-close"]');

    // the pod's own use: what its annotation asks for
    await page.click(`[data-testid="workload-pod"][data-name="${podName}"]`);
    await page.waitForSelector('[data-testid="pod-detail"][open]');
    await page.waitForSelector('[data-testid="pod-detail-usage"][data-cpu-latest="0.5"]');
    expect(await page.textContent('[data-testid="pod-usage-latest"]')).toMatch(
      /^Latest: 0\.5 cores \(requested 0\.25\), \d+ MiB \(requested 32\)/,
    );
    await page.click('[data-testid="pod-detail-close"]');
    expect(pageErrors).toEqual([]);
  }, 60000);

  it("shows a Job's completions and pods, and only the kinds the server serves", async () => {
    await t.http.post('/apis/batch/v1/namespaces/default/jobs').set(auth).send(job).expect(201);
    const row = '[data-testid="job"][data-name="report"]';
    await page.waitForSelector(`${row}[data-completions="2"]`);
    await page.waitForSelector(
      `${row}[data-state="complete"][data-succeeded="2"][data-active="0"][data-failed="0"]`,
      { timeout: 30000 },
    );
    expect(await page.textContent(`${row} td:nth-child(2)`)).toBe('2/2');
    const { body } = await t.http.get('/apis/batch/v1/namespaces/default/jobs/report').expect(200);
    expect(body.status.succeeded).toBe(2);
    expect(await chips(row)).toEqual(
      (await podNames('job-name=report')).map((name) => ({ name, status: 'succeeded' })),
    );
    // a kind the server does not serve (or serves with nothing in it) is not on the page,
    // and costs the page no error
    const { body: apps } = await t.http.get('/apis/apps/v1').expect(200);
    const daemonSets = apps.resources.some((r: { name: string }) => r.name === 'daemonsets')
      ? (await t.http.get('/apis/apps/v1/daemonsets').expect(200)).body.items.length
      : 0;
    expect(await page.locator('[data-testid="daemonsets-table"]').count()).toBe(daemonSets ? 1 : 0);
    expect(await page.locator('#workloads-problem').isHidden()).toBe(true);
    expect(await page.locator('[data-testid="deployments-table"]').count()).toBe(1);

    expect(
      existsSync(await saveScreenshot(page, 'dashboard-workloads.png', { selector: '#workloads' })),
    ).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('shows a DaemonSet with one pod a node, as the server counts them', async () => {
    const { body: apps } = await t.http.get('/apis/apps/v1').expect(200);
    expect(apps.resources.map((r: { name: string }) => r.name)).toContain('daemonsets');
    const daemonSet = {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: {
            containers: [
              {
                name: 'agent',
                image: 'busybox:1.36',
                command: ['sleep', '3600'],
                resources: { requests: { cpu: '10m', memory: '8Mi' } },
              },
            ],
          },
        },
      },
    };
    await t.http
      .post('/apis/apps/v1/namespaces/default/daemonsets')
      .set(auth)
      .send(daemonSet)
      .expect(201);
    const { body: nodes } = await t.http.get('/api/v1/nodes').expect(200);
    const eligible = nodes.items.filter(
      (n: { spec: { unschedulable?: boolean }; metadata: { labels: Record<string, string> } }) =>
        !('node-role.kubernetes.io/control-plane' in n.metadata.labels),
    ).length;
    expect(eligible).toBeGreaterThan(0);
    const row = '[data-testid="daemonset"][data-name="agent"]';
    await page.waitForSelector(`${row}[data-desired="${eligible}"][data-available="${eligible}"]`, {
      timeout: 30000,
    });
    expect(await chips(row)).toEqual(
      (await podNames('app=agent')).map((name) => ({ name, status: 'running' })),
    );
    expect(pageErrors).toEqual([]);
  }, 60000);
});
