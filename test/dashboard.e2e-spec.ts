import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { startProcessCluster, waitForPod } from './setup/cluster';
import { pod, TestApp } from './setup/test-app';

/**
 * The dashboard in a real headless Chromium against the real app and real agents (child
 * processes): what a person does with the forms and buttons, and what they see change live.
 * Every run leaves test-results/dashboard.png; UPDATE_SCREENSHOTS=1 also refreshes the
 * committed docs/screenshots/dashboard.png.
 */
const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..');
const SCREENSHOT = join(ROOT, 'test-results', 'dashboard.png');
const DOCS_SCREENSHOT = join(ROOT, 'docs', 'screenshots', 'dashboard.png');
const UI_TIMEOUT_MS = 20000;

const row = (kind: 'node' | 'pod', name: string) => `[data-testid="${kind}-row-${name}"]`;

describe('dashboard in headless Chromium', () => {
  let t: TestApp;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let screenshotTaken = false;

  async function screenshot(): Promise<void> {
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    screenshotTaken = true;
  }

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} is missing: run scripts/ci/ensure-chromium.sh (installs Debian's chromium) before this suite`,
      );
    }
    // the monitor waits before restarting a failed node, so "failed" stays on screen a while
    t = await startProcessCluster({ RECOVERY_BACKOFF_MS: '2500' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 60000);

  afterAll(async () => {
    // a run that failed early still leaves a picture of where it stopped
    if (page && !screenshotTaken) await screenshot().catch(() => undefined);
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

    await screenshot();
    if (process.env.UPDATE_SCREENSHOTS === '1') {
      mkdirSync(join(ROOT, 'docs', 'screenshots'), { recursive: true });
      copyFileSync(SCREENSHOT, DOCS_SCREENSHOT);
    }
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 60000);

  it('shows the cluster autoscaler, and its decisions in the events feed', async () => {
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
});
