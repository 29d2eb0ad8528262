import { existsSync } from 'node:fs';
import { Browser, Page, Request } from 'playwright-core';
import { launchChromium, saveScreenshot } from './setup/browser';
import { startProcessCluster, waitForPod } from './setup/cluster';
import { pod, TestApp } from './setup/test-app';

/**
 * The dashboard in a real headless Chromium against the real app and real agents (child
 * processes): what a person does with the forms and buttons, and what they see change live.
 * Every run leaves test-results/dashboard.png; UPDATE_SCREENSHOTS=1 also refreshes the
 * committed docs/screenshots/dashboard.png.
 */
const UI_TIMEOUT_MS = 20000;

const row = (kind: 'node' | 'pod', name: string) => `[data-testid="${kind}-row-${name}"]`;
const pidOf = (t: TestApp, name: string) =>
  t
    .sql<{ runtime_ref: string }>('SELECT runtime_ref FROM nodes WHERE name = $1', [name])
    .then(([r]) => Number(r.runtime_ref.replace('pid:', '')));

describe('dashboard in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let screenshotTaken = false;

  async function screenshot(publish = true): Promise<string> {
    screenshotTaken = true;
    return saveScreenshot(page, 'dashboard.png', { publish });
  }

  beforeAll(async () => {
    // the monitor waits before restarting a failed node, so "failed" stays on screen a while
    // (and a silent node stays not ready for a while before it fails)
    t = await startProcessCluster({ RECOVERY_BACKOFF_MS: '2500', NODE_FAILURE_TIMEOUT_MS: '4000' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 60000);

  afterAll(async () => {
    // a run that failed early still leaves a picture of where it stopped
    if (page && !screenshotTaken) await screenshot(false).catch(() => undefined);
    await browser?.close();
    await t?.close();
  });

  async function createNode(name: string, cpus: number): Promise<void> {
    await page.click('[data-testid="create-node-open"]');
    await page.fill('[data-testid="node-name"]', name);
    await page.fill('[data-testid="node-cpus"]', String(cpus));
    await page.selectOption('[data-testid="node-type"]', 'worker');
    await page.click('[data-testid="node-submit"]');
    await page.waitForSelector('[data-testid="node-form-dialog"]', { state: 'hidden' });
    await page.waitForSelector(row('node', name));
  }

  async function createPod(name: string, cpus: number): Promise<void> {
    await page.click('[data-testid="create-pod-open"]');
    await page.fill('[data-testid="pod-name"]', name);
    await page.fill('[data-testid="pod-cpus"]', String(cpus));
    await page.fill('[data-testid="pod-image"]', 'nginx:1.27');
    await page.click('[data-testid="pod-submit"]');
    await page.waitForSelector('[data-testid="pod-form-dialog"]', { state: 'hidden' });
  }

  /** Every status a row has shown since now, even for a moment, in order. */
  async function recordStatuses(selector: string): Promise<() => Promise<string[]>> {
    const key = `statuses:${selector}`;
    await page.evaluate(
      ({ selector, key }) => {
        const seen: string[] = [];
        (window as unknown as Record<string, unknown>)[key] = seen;
        const note = () => {
          const status = document.querySelector(selector)?.getAttribute('data-status');
          if (status && seen[seen.length - 1] !== status) seen.push(status);
        };
        note();
        new MutationObserver(note).observe(document.body, {
          subtree: true,
          childList: true,
          attributes: true,
          attributeFilter: ['data-status'],
        });
      },
      { selector, key },
    );
    return () => page.evaluate((key) => (window as unknown as Record<string, string[]>)[key], key);
  }

  it('creates nodes and a pod through the forms, then follows a node failure live', async () => {
    await page.goto(t.baseUrl);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.waitForSelector('[data-testid="sse-status"][data-state="live"]');
    // a marker that a reload would wipe: everything below happens on this one page
    await page.evaluate(() => ((window as unknown as Record<string, unknown>).samePage = true));

    await createNode('alpha', 2);
    await page.waitForSelector(`${row('node', 'alpha')}[data-status="healthy"]`);
    await createNode('beta', 4);
    await page.waitForSelector(`${row('node', 'beta')}[data-status="healthy"]`);

    await createPod('web', 0.5);
    const running = await page.waitForSelector(`${row('pod', 'web')}[data-status="running"]`);
    const home = await running.getAttribute('data-node');
    expect(['alpha', 'beta']).toContain(home);
    const other = home === 'alpha' ? 'beta' : 'alpha';

    const statuses = await recordStatuses(row('node', home!));
    await page.click(`[data-testid="fail-${home}"]`);
    await page.waitForSelector('[data-testid="confirm-dialog"]', { state: 'visible' });
    await page.selectOption('[data-testid="fail-mode"]', 'crash');
    await page.click('[data-testid="confirm-ok"]');

    await page.waitForSelector(`${row('node', home!)}[data-status="failed"]`);
    await page.waitForSelector(
      `[data-testid="events-feed"] [data-testid="event-item"][data-reason="NodeFailed"][data-object="node/${home}"]`,
    );
    await page.waitForSelector(`${row('pod', 'web')}[data-node="${other}"][data-status="running"]`);
    await page.waitForSelector(`${row('node', home!)}[data-status="healthy"]`, {
      timeout: 30000,
    });
    const seen = await statuses();
    expect(seen[0]).toBe('healthy');
    expect(seen.indexOf('failed')).toBeGreaterThan(0);
    expect(seen.lastIndexOf('healthy')).toBeGreaterThan(seen.indexOf('failed'));

    expect(await page.evaluate(() => (window as unknown as Record<string, unknown>).samePage)).toBe(
      true,
    );
    expect(pageErrors).toEqual([]);
  }, 120000);

  it("explains the moved pod's scheduling per node and draws the failed node's timeline", async () => {
    const { body: web } = await t.http.get('/pods/web').expect(200);
    const host = web.node_name as string;
    const failed = host === 'alpha' ? 'beta' : 'alpha';
    await page.click(`${row('pod', 'web')} .name`);
    await page.waitForSelector('[data-testid="pod-detail"][open]');
    expect(await page.textContent('[data-testid="pod-detail-namespace"]')).toBe(
      'namespace default',
    );
    const chosen = await page.waitForSelector(
      `[data-testid="pod-scheduling-node-${host}"][data-chosen="true"][data-fits="true"]`,
    );
    expect(await chosen.textContent()).toMatch(/★/);
    // the node that had failed was ruled out when the pod moved
    const ruledOut = await page.waitForSelector(
      `[data-testid="pod-scheduling-node-${failed}"][data-fits="false"]`,
    );
    expect(await ruledOut.textContent()).toMatch(/node.kubernetes.io\/not-ready/);
    expect(await page.textContent('[data-testid="pod-scheduling-reason"]')).toMatch(
      new RegExp(`^${host} — best-fit, reschedule, `),
    );
    expect(await page.locator('[data-testid="pod-scheduling-history"] li').count()).toBe(1);
    await page.click('[data-testid="pod-detail-close"]');

    await page.click(`${row('node', failed)} .name`);
    await page.waitForSelector('[data-testid="node-detail"][open]');
    await page.waitForSelector('[data-testid="node-timeline-axis"] .tl-mark.tl-missed');
    for (const reason of ['NodeFailed', 'PodEvicted', 'NodeRecovered']) {
      await page.waitForSelector(
        `[data-testid="node-timeline"] [data-testid="node-timeline-entry"][data-reason="${reason}"]`,
      );
    }
    await page.click('[data-testid="node-detail-close"]');
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('shows a populated cluster, saved as a screenshot', async () => {
    // a few more pods through the API, so the picture has something in every column
    await t.http.post('/nodes').send({ name: 'gamma', cpu_cores: 2 }).expect(201);
    await page.waitForSelector(`${row('node', 'gamma')}[data-status="healthy"]`);
    for (const [name, cpu] of [
      ['api', 0.75],
      ['cache', 0.25],
      ['worker', 1],
    ] as const) {
      await t.http.post('/pods').send(pod(name, cpu)).expect(201);
    }
    for (const name of ['api', 'cache', 'worker']) {
      await waitForPod(t, name, (p) => p.status === 'running', 'running');
      await page.waitForSelector(`${row('pod', name)}[data-status="running"]`);
    }
    // one that fits nowhere waits, with the reason on its row
    await t.http.post('/pods').send(pod('batch', 6)).expect(201);
    await page.waitForSelector(`${row('pod', 'batch')}[data-status="pending"]`);
    // the one-time heartbeat tokens need not be in the picture
    const dismiss = page.locator('[data-testid="token-notice"] button[aria-label="Dismiss"]');
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    // a few seconds of heartbeats for the traces
    await page.waitForTimeout(process.env.UPDATE_SCREENSHOTS === '1' ? 8000 : 2000);
    expect(await page.locator('[data-testid="event-item"]').count()).toBeGreaterThan(5);

    expect(existsSync(await screenshot())).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('shows silent nodes amber with unknown components and no use, and a banner while the whole cluster is silent', async () => {
    const names = ['alpha', 'beta', 'gamma'];
    const banner = '[data-testid="disruption-banner"]';
    expect(await page.locator(banner).isHidden()).toBe(true);
    const pids = await Promise.all(names.map((name) => pidOf(t, name)));
    // every agent freezes, without kubesim knowing why
    for (const p of pids) process.kill(p, 'SIGSTOP');
    try {
      for (const name of names)
        await page.waitForSelector(`${row('node', name)}[data-status="not_ready"]`);
      const badge = page.locator('[data-testid="node-status-alpha"]');
      expect(await badge.textContent()).toBe('not ready');
      // amber, as the CLI shows it too
      expect(await badge.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
        'rgb(255, 241, 214)',
      );
      const states = await page
        .locator(`${row('node', 'alpha')} .dot[data-component]`)
        .evaluateAll((dots) => dots.map((d) => d.getAttribute('data-state')));
      expect(states).toEqual(['unknown', 'unknown', 'unknown', 'unknown']);
      expect(
        await page
          .locator(`${row('node', 'alpha')} .minibar-used`)
          .evaluate((el) => (el as HTMLElement).style.width),
      ).toBe('0%');
      await page.waitForSelector(`${banner}:not([hidden])`);
      expect(await page.locator(banner).textContent()).toMatch(
        /all 3 nodes stopped sending heartbeats at once.*no pod is evicted and no node restarted/,
      );
      // failed with their silence, the banner still up, nothing restarted
      for (const name of names)
        await page.waitForSelector(`${row('node', name)}[data-status="failed"]`);
      expect(await page.locator(banner).isVisible()).toBe(true);
    } finally {
      for (const p of pids) process.kill(p, 'SIGCONT');
    }
    await page.waitForSelector(banner, { state: 'hidden' });
    for (const name of names)
      await page.waitForSelector(`${row('node', name)}[data-status="healthy"]`);
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('sends every write as JSON: a body-less Cordon from its button and from Swagger UI "Try it out"', async () => {
    const cordoned = async (name: string) =>
      (await t.http.get(`/nodes/${name}`).expect(200)).body.cordoned as boolean;
    await page.goto(t.baseUrl);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.click('[data-testid="cordon-gamma"]');
    await page.waitForSelector(`${row('node', 'gamma')} .tag-cordoned:not([hidden])`);
    expect(await cordoned('gamma')).toBe(true);
    await t.http.post('/nodes/gamma/uncordon').expect(200);

    // Swagger UI sends no Content-Type for an operation without a body unless told to
    await page.goto(`${t.baseUrl}/docs`);
    const op = page.locator('#operations-nodes-cordonNode');
    await op.locator('.opblock-summary').click();
    await op.locator('button.try-out__btn').click();
    await op.locator('input[placeholder="id"]').fill('gamma');
    await op.locator('button.execute').click();
    await op.locator('.live-responses-table tr.response .response-col_status').first().waitFor();
    expect(
      (
        await op
          .locator('.live-responses-table tr.response .response-col_status')
          .first()
          .innerText()
      ).trim(),
    ).toBe('200');
    expect(await cordoned('gamma')).toBe(true);
    await t.http.post('/nodes/gamma/uncordon').expect(200);
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('shows the cluster autoscaler, and its decisions in the events feed', async () => {
    // an earlier case may have left the page on Swagger UI
    await page.goto(t.baseUrl);
    await page.waitForSelector('body[data-loaded="true"]');
    const state = page.locator('[data-testid="autoscaler-state"]');
    expect(await state.textContent()).toBe('off');
    await t.http
      .put('/autoscaler')
      .send({ enabled: true, max_nodes: 7, node_cpu_cores: 4 })
      .expect(200);
    await page.waitForSelector('[data-testid="autoscaler-stat"][data-enabled="true"]');
    expect(await page.locator('[data-testid="autoscaler-summary"]').textContent()).toMatch(
      /\(min 1, max 7\) · 0 added · new node 4 cores/,
    );
    // the 6-core pod still pending is bigger than a new node: explained, not scaled for
    await page.waitForSelector(
      '[data-testid="event-item"]:has-text("more than a new node (4 cores) has: not scaling up for it")',
    );
    await t.http.put('/autoscaler').send({ enabled: false }).expect(200);
    await page.waitForSelector('[data-testid="autoscaler-stat"][data-enabled="false"]');
    expect(pageErrors).toEqual([]);
  }, 60000);
  it('applies live events to its rows: a pod and a node come, change and go without a list read again', async () => {
    await page.goto(t.baseUrl);
    await page.waitForSelector('body[data-loaded="true"]');
    await page.waitForSelector('[data-testid="sse-status"][data-state="live"]');
    const podsTotal = Number(await page.textContent('#stat-pods-total'));
    const lists: string[] = [];
    const reads: string[] = [];
    const note = (request: Request) => {
      if (request.method() !== 'GET') return;
      const { pathname, search } = new URL(request.url());
      if (pathname === '/nodes' || pathname === '/pods') lists.push(`${pathname}${search}`);
      else if (/^\/(nodes|pods)\/[^/]+$/.test(pathname)) reads.push(pathname);
    };
    page.on('request', note);
    try {
      await t.http.post('/pods').send(pod('live', 0.25)).expect(201);
      await page.waitForSelector(`${row('pod', 'live')}[data-status="running"]`);
      // the counts follow, from the summary read with the window's objects
      await page.waitForFunction(
        (total) => document.querySelector('#stat-pods-total')?.textContent === String(total),
        podsTotal + 1,
      );
      await t.http.post('/nodes/gamma/cordon').expect(200);
      await page.waitForSelector(`${row('node', 'gamma')}[data-cordoned="true"]`);
      await t.http.post('/nodes').send({ name: 'delta', cpu_cores: 1 }).expect(201);
      await page.waitForSelector(`${row('node', 'delta')}[data-status="healthy"]`);
      await t.http.post('/nodes/delta/stop').expect(200);
      await page.waitForSelector(`${row('node', 'delta')}[data-status="stopped"]`);

      await t.http.delete('/pods/live').expect(200);
      await page.waitForSelector(row('pod', 'live'), { state: 'detached' });
      await t.http.delete('/nodes/delta').expect(200);
      await page.waitForSelector(row('node', 'delta'), { state: 'detached' });
      await page.waitForFunction(
        (total) => document.querySelector('#stat-pods-total')?.textContent === String(total),
        podsTotal,
      );
    } finally {
      page.off('request', note);
      await t.http.post('/nodes/gamma/uncordon');
    }
    // each object the events named was read on its own, the lists not once
    expect(lists).toEqual([]);
    expect(reads).toEqual(expect.arrayContaining(['/pods/live', '/nodes/gamma', '/nodes/delta']));
    expect(pageErrors).toEqual([]);
  }, 60000);
});
