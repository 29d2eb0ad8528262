import { readFileSync } from 'node:fs';
import { COLLECTION_FILE, ENVIRONMENT_FILE, renderPostman, WALK_THROUGH } from '../scripts/postman';
import { beat, healthyNode, pod, startTestApp, TestApp } from './setup/test-app';

/** The part of newman's library API used here (newman ships no types). */
interface NewmanSummary {
  run: {
    stats: {
      requests: { total: number; failed: number };
      assertions: { total: number; failed: number };
    };
    failures: Array<{ error: { message: string; test?: string }; source?: { name?: string } }>;
  };
}
interface SentRequest {
  method: string;
  headers: { members: Array<{ key: string; value: string }> };
  url: { getPath(): string };
}
interface Newman {
  run(
    options: Record<string, unknown>,
    done: (err: Error | null, summary: NewmanSummary) => void,
  ): {
    on(
      event: 'request',
      listener: (
        err: Error | null,
        o: { request: SentRequest; response?: { code: number } },
      ) => void,
    ): void;
  };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const newman = require('newman') as Newman;

/** One request as it left newman (after auth was applied), the test scripts' own included. */
interface Sent {
  what: string;
  authorization: string | undefined;
  contentType?: string;
  status: number | undefined;
}

const committedCollection = () => JSON.parse(readFileSync(COLLECTION_FILE, 'utf8'));
const committedEnvironment = () => JSON.parse(readFileSync(ENVIRONMENT_FILE, 'utf8'));

/** Runs the Walk-through folder of the committed collection against `baseUrl`. */
function runWalkThrough(
  baseUrl: string,
  apiToken = '',
): Promise<{ summary: NewmanSummary; sent: Sent[] }> {
  const environment = committedEnvironment();
  for (const v of environment.values) {
    if (v.key === 'baseUrl') v.value = baseUrl;
    if (v.key === 'apiToken') v.value = apiToken;
  }
  const sent: Sent[] = [];
  return new Promise((resolve, reject) => {
    const run = newman.run(
      {
        collection: committedCollection(),
        environment,
        folder: WALK_THROUGH,
        reporters: [],
        timeoutRequest: 15000,
        timeout: 120000,
      },
      (err, summary) => (err ? reject(err) : resolve({ summary, sent })),
    );
    run.on('request', (_err, o) => {
      if (!o?.request) return;
      const path = o.request.url.getPath().replace(/\/[^/]*\d[^/]*(?=\/|$)/g, '/:id');
      sent.push({
        what: `${o.request.method} ${path}`,
        authorization: o.request.headers.members.find(
          (h) => h.key.toLowerCase() === 'authorization',
        )?.value,
        ...(o.request.method === 'GET'
          ? {}
          : {
              contentType: o.request.headers.members.find(
                (h) => h.key.toLowerCase() === 'content-type',
              )?.value,
            }),
        status: o.response?.code,
      });
    });
  });
}

function expectAllPassed(summary: NewmanSummary): void {
  const failures = summary.run.failures.map(
    (f) => `${f.source?.name ?? '?'}: ${f.error.test ?? ''} ${f.error.message}`,
  );
  expect(failures).toEqual([]);
  expect(summary.run.stats.requests.total).toBe(8); // 7 steps and the GET the heartbeat's test sends
  expect(summary.run.stats.assertions.failed).toBe(0);
  expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(14);
}

const STEPS = [
  'POST /nodes',
  'POST /nodes/:id/heartbeat',
  'GET /nodes/:id', // sent by the heartbeat's test script
  'POST /pods',
  'GET /pods/:id',
  'GET /events',
  'DELETE /pods/:id',
  'DELETE /nodes/:id',
];

describe('the Postman collection', () => {
  it('is what `npm run postman` generates from openapi/openapi.json (run `npm run postman` when this fails)', async () => {
    const { collection, environment } = await renderPostman();
    const stale =
      'postman/ is stale: run npm run postman (after npm run openapi) and commit the result';
    if (collection !== readFileSync(COLLECTION_FILE, 'utf8')) throw new Error(stale);
    if (environment !== readFileSync(ENVIRONMENT_FILE, 'utf8')) throw new Error(stale);
    const parsed = committedCollection();
    expect(parsed.item[0].name).toBe(WALK_THROUGH);
    expect(parsed.auth).toEqual({
      type: 'bearer',
      bearer: [{ key: 'token', type: 'string', value: '{{apiToken}}' }],
    });
    expect(committedEnvironment().values.map((v: { key: string }) => v.key)).toEqual(
      expect.arrayContaining(['baseUrl', 'apiToken', 'nodeToken', 'nodeId']),
    );
  });

  it('sends every write with "Content-Type: application/json", body or not (the API refuses others)', () => {
    const writes: string[] = [];
    const walk = (
      items: Array<{
        item?: unknown[];
        name: string;
        request?: { method: string; header?: Array<{ key: string; value: string }> };
      }>,
    ) => {
      for (const item of items) {
        if (item.item) walk(item.item as typeof items);
        const request = item.request;
        if (!request || request.method === 'GET') continue;
        const type = (request.header ?? []).find((h) => h.key.toLowerCase() === 'content-type');
        writes.push(`${item.name}: ${type?.value ?? 'none'}`);
      }
    };
    walk(committedCollection().item);
    expect(writes.length).toBeGreaterThan(10);
    expect(writes.filter((w) => !w.endsWith(': application/json'))).toEqual([]);
  });

  describe('Walk-through, run by newman against the live API', () => {
    let t: TestApp;
    afterEach(() => t?.close());

    it('passes every assertion, twice in a row, with no Authorization header but the node token', async () => {
      t = await startTestApp({ RUNTIME: 'external' });
      for (let run = 0; run < 2; run++) {
        const { summary, sent } = await runWalkThrough(t.baseUrl);
        expectAllPassed(summary);
        expect(sent.map((r) => r.what)).toEqual(STEPS);
        for (const r of sent) {
          if (r.what.endsWith('/heartbeat')) expect(r.authorization).toMatch(/^Bearer \S+$/);
          else expect(r.authorization).toBeUndefined();
          // every change is a JSON request, the body-less DELETEs too
          if (!r.what.startsWith('GET')) expect(r.contentType).toBe('application/json');
        }
      }
      const [{ n }] = await t.sql<{ n: number }>(
        "SELECT (SELECT count(*) FROM nodes WHERE name LIKE 'walk-%') + (SELECT count(*) FROM pods WHERE name LIKE 'walk-%') AS n",
      );
      expect(Number(n)).toBe(0);
    });

    it('passes on a busy cluster whose pending pods take its node, and launches no agent of its own', async () => {
      // process runtime: a managed node registered here would get a real agent beside Postman
      t = await startTestApp({ RUNTIME: 'process' });
      // a full node, and pods waiting for room that will take any node that turns healthy
      const full = await healthyNode(t, 'busy-full', 1, { agent: 'external' });
      await t.http.post('/pods').send(pod('busy-running', 1)).expect(201);
      for (let i = 0; i < 4; i++) {
        const res = await t.http
          .post('/pods')
          .send(pod(`busy-waiting-${i}`, 1))
          .expect(201);
        expect(res.body.status).toBe('pending');
      }
      await beat(t, full.id, full.token);

      const { summary, sent } = await runWalkThrough(t.baseUrl);
      expectAllPassed(summary);
      expect(sent.map((r) => r.what)).toEqual(STEPS);

      const registered = await t.sql<{ message: string }>(
        "SELECT message FROM events WHERE reason = 'RegisteredNode' AND object LIKE 'node/walk-node-%'",
      );
      expect(registered).toHaveLength(1);
      expect(registered[0].message).toMatch(/external runtime/);
      // the cluster is left as it was: the walk-through's node and pod are gone, the rest waits again
      const pods = await t.sql<{ name: string; status: string }>(
        'SELECT name, status FROM pods ORDER BY name',
      );
      expect(pods).toEqual([
        { name: 'busy-running', status: 'scheduled' },
        ...[0, 1, 2, 3].map((i) => ({ name: `busy-waiting-${i}`, status: 'pending' })),
      ]);
      const nodes = await t.sql<{ name: string }>('SELECT name FROM nodes');
      expect(nodes).toEqual([{ name: 'busy-full' }]);
    });

    it('sends {{apiToken}} as the bearer token when the server guards its changes', async () => {
      t = await startTestApp({ RUNTIME: 'external', KUBESIM_API_TOKEN: 'walk-through-token' });
      const refused = await runWalkThrough(t.baseUrl);
      expect(refused.sent[0]).toEqual({
        what: 'POST /nodes',
        authorization: undefined,
        contentType: 'application/json',
        status: 401,
      });

      const { summary, sent } = await runWalkThrough(t.baseUrl, 'walk-through-token');
      expectAllPassed(summary);
      for (const r of sent) {
        if (r.what.endsWith('/heartbeat'))
          expect(r.authorization).not.toContain('walk-through-token');
        else expect(r.authorization).toBe('Bearer walk-through-token');
      }
    });
  });
});
