import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { Counts, JSON_TYPE, nestingDepth, POSTGRES_WORDS, Violation } from './fuzz-checks';
import { agent, Answer, send } from './raw-http-client';
import { healthyNode, pod, startTestApp, TestApp } from './test-app';

/**
 * One fuzz file's run against the real app (external runtime, loops off) on a real
 * PostgreSQL: for every case, never a 5xx or a hang; a 4xx is JSON with a message and leaves
 * no row behind. Violations are collected (not shrunk) so one run lists every distinct bug;
 * FUZZ_SEED replays a run, FUZZ_SCALE multiplies the number of cases, FUZZ_DUMP=file.json
 * writes every violation.
 */
export const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
export const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

export interface FuzzSession {
  /** the app, once the file's beforeAll has run */
  readonly t: TestApp;
  /** a healthy node of 1,024 cores, `fuzz-node`, with a pod bound */
  readonly node: { id: number; token: string };
  /** a healthy node of 4 cores, `fuzz-other` */
  readonly otherNode: { id: number; token: string };
  /** the rows as the last case left them: what the next one is compared with */
  counts: Counts;
  /** how many cases were sent, by endpoint */
  readonly cases: Record<string, number>;
  readonly violations: Violation[];
  unique(prefix: string): string;
  countRows(): Promise<Counts>;
  settledRows(from?: Counts): Promise<Counts>;
  check(
    endpoint: string,
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string | undefined>,
    expectStatus?: (status: number) => string | null,
  ): Promise<Answer | null>;
  expectNoViolations(endpoint: string | RegExp): void;
  runAll<T>(
    arb: fc.Arbitrary<T>,
    numRuns: number,
    property: (value: T) => Promise<void>,
  ): Promise<void>;
}

/**
 * Starts the app with its two fixture nodes before the file's tests, and after them stops it
 * and prints how many cases each endpoint got.
 */
export function fuzzSession(): FuzzSession {
  let t: TestApp;
  const cases: Record<string, number> = {};
  const fivexx: Record<string, number> = {};
  const violations: Violation[] = [];
  let counts: Counts;

  /**
   * A change may go on after its answer (pending pods retried, events): the row counts once
   * they have held still for two looks in a row, 25 ms apart (at most 40 looks).
   */
  async function settledRows(from?: Counts): Promise<Counts> {
    let last = from ?? (await countRows());
    for (let i = 0, still = 0; i < 40 && still < 2; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const again = await countRows();
      still = Object.keys(again).every((k) => again[k] === last[k]) ? still + 1 : 0;
      last = again;
    }
    return last;
  }
  let sequence = 0;
  const unique = (prefix: string) => `${prefix}-${(sequence++).toString(36)}`;

  const countRows = async (): Promise<Counts> => {
    const [row] = await t.sql<Counts>(
      `SELECT (SELECT count(*) FROM nodes)::int AS nodes,
              (SELECT count(*) FROM pods)::int AS pods,
              (SELECT count(*) FROM containers)::int AS containers,
              (SELECT count(*) FROM volumes)::int AS volumes,
              (SELECT count(*) FROM config_items)::int AS config_items,
              (SELECT count(*) FROM idempotency_keys WHERE status_code = 0)::int AS open_idempotency_claims,
              (SELECT count(*) FROM events)::int AS events,
              (SELECT COALESCE(max(id), 0) FROM events)::int AS last_event_id,
              (SELECT count(*) FROM pods WHERE status = 'pending')::int AS pending_pods,
              (SELECT hashtext(COALESCE(string_agg(id || ':' || status || ':' || COALESCE(node_id, 0), ',' ORDER BY id), '')) FROM pods) AS pod_states,
              (SELECT hashtext(COALESCE(string_agg(id || ':' || status || ':' || restart_count, ',' ORDER BY id), '')) FROM containers) AS container_states,
              (SELECT hashtext(COALESCE(string_agg(id || ':' || health_status || ':' || cordoned, ',' ORDER BY id), '')) FROM nodes) AS node_states,
              (SELECT count(*) FROM pods p WHERE NOT EXISTS (SELECT 1 FROM containers c WHERE c.pod_id = p.id))::int AS pods_without_containers,
              (SELECT count(*) FROM nodes n WHERE n.cpu_allocated_m <> COALESCE((SELECT sum(cpu_req_m) FROM pods p WHERE p.node_id = n.id), 0))::int AS nodes_with_allocation_drift`,
    );
    return row;
  };

  /**
   * Whether rows changed only because pending pods were bound in the background: an
   * earlier request that freed room starts a retry of the pending pods that may still
   * be running when a later one is answered. Anything else a 4xx changed is a bug.
   */
  const onlyPendingPodsBound = async (
    before: Counts,
    after: Counts,
    changed: string[],
  ): Promise<boolean> => {
    if (!changed.every((k) => ['events', 'pod_states', 'pending_pods'].includes(k))) return false;
    const bound = before.pending_pods - after.pending_pods;
    if (bound < 0 || (bound === 0) !== (before.pod_states === after.pod_states)) return false;
    const fresh = await t.sql<{ reason: string; message: string }>(
      `SELECT reason, message FROM events WHERE id > $1`,
      [before.last_event_id],
    );
    return fresh.every((e) => e.reason === 'Scheduled' && e.message.endsWith('(was pending)'));
  };

  /** Sends one case and checks everything about its answer. */
  async function check(
    endpoint: string,
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string | undefined> = {},
    expectStatus?: (status: number) => string | null,
  ): Promise<Answer | null> {
    cases[endpoint] = (cases[endpoint] ?? 0) + 1;
    const describeRequest = () => {
      const shown =
        body === undefined
          ? ''
          : body.length > 300
            ? `${body.slice(0, 300)}… (${body.length} chars)`
            : body;
      return `${method} ${path.length > 200 ? `${path.slice(0, 200)}… (${path.length} chars)` : path} ${JSON.stringify(headers)} ${shown}`;
    };
    const report = (status: number, problem: string, answer: string) =>
      violations.push({
        endpoint,
        request: describeRequest(),
        status,
        problem,
        answer: answer.slice(0, 400),
        depth: nestingDepth(body),
        body,
      });
    let res: Answer;
    try {
      res = await send(t.baseUrl, method, path, body, headers);
    } catch (err) {
      report(0, `transport error: ${(err as Error).message}`, '');
      return null;
    }
    // serve-static answers a dot segment (`/nodes/..`) with a redirect; clients normalise those away
    const dotSegment = /\/\.\.?(\/|$)/.test(
      path.split('?')[0].replace(/%2e/gi, '.').replace(/%2f/gi, '/'),
    );
    if (dotSegment && res.status >= 300 && res.status < 400) {
      // tolerated, see above
    } else if (res.status >= 500 || res.status < 200 || (res.status >= 300 && res.status < 400)) {
      if (res.status >= 500) fivexx[endpoint] = (fivexx[endpoint] ?? 0) + 1;
      report(res.status, `status ${res.status}`, res.text);
    } else if (dotSegment) {
      // tolerated, see above (an oversize URL, refused by Node's parser, is a JSON 431 like any answer)
    } else if (!/application\/json/.test(res.contentType) || res.json === undefined) {
      report(res.status, `not JSON (${res.contentType})`, res.text);
    } else if (res.status >= 400) {
      const message = (res.json as { message?: unknown }).message;
      const ok =
        (typeof message === 'string' && message.length > 0) ||
        (Array.isArray(message) &&
          message.length > 0 &&
          message.every((m) => typeof m === 'string'));
      if (!ok) report(res.status, '4xx without a message', res.text);
      else if (POSTGRES_WORDS.test(JSON.stringify(message)))
        report(res.status, "4xx that shows PostgreSQL's own message", res.text);
    }
    // a write that is not JSON is refused before anything reads it (the CSRF guard)
    const typeHeader = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type');
    const sentType = typeHeader ? typeHeader[1] : 'application/json';
    const jsonWrite = method === 'GET' || (sentType !== undefined && JSON_TYPE.test(sentType));
    if (!jsonWrite && ![400, 415, 431].includes(res.status))
      report(res.status, `a ${sentType} write answered ${res.status}, not 415`, res.text);
    const expected = expectStatus?.(res.status);
    if (expected) report(res.status, expected, res.text);
    let after = await countRows();
    if (res.status < 300 && method !== 'GET' && !/\/(heartbeat|watch)$/.test(path))
      after = await settledRows(after);
    if (res.status >= 400 && res.status < 500) {
      let changed = Object.keys(after).filter(
        (k) => k !== 'last_event_id' && after[k] !== counts[k],
      );
      if (changed.length && (await onlyPendingPodsBound(counts, after, changed))) changed = [];
      if (changed.length)
        report(
          res.status,
          `a ${res.status} changed rows: ${changed.map((k) => `${k} ${counts[k]}→${after[k]}`).join(', ')}`,
          res.text,
        );
    }
    if (after.pods_without_containers || after.nodes_with_allocation_drift)
      report(res.status, `broken invariant: ${JSON.stringify(after)}`, res.text);
    counts = after;
    return res;
  }

  const expectNoViolations = (endpoint: string | RegExp) => {
    const mine = violations.filter((v) =>
      typeof endpoint === 'string' ? v.endpoint === endpoint : endpoint.test(v.endpoint),
    );
    // one example per distinct problem, so a report lists each bug once
    const distinct = new Map<string, Violation>();
    for (const v of mine) {
      const key = `${v.endpoint} ${v.status} ${v.problem.replace(/\d+/g, 'N')} ${v.answer.replace(/"[^"]*"/g, '""').slice(0, 80)}`;
      if (!distinct.has(key)) distinct.set(key, v);
    }
    if (distinct.size)
      throw new Error(
        `${mine.length} violations (seed ${SEED}), ${distinct.size} distinct:\n` +
          [...distinct.values()]
            .slice(0, 15)
            .map(
              (v) =>
                `- [${v.endpoint}] ${v.problem}\n    request: ${v.request}\n    answer: ${v.answer}`,
            )
            .join('\n'),
      );
  };

  const runAll = <T>(
    arb: fc.Arbitrary<T>,
    numRuns: number,
    property: (value: T) => Promise<void>,
  ) =>
    fc.assert(
      fc.asyncProperty(arb, async (value) => {
        await property(value);
      }),
      { numRuns, seed: SEED, endOnFailure: true },
    );

  let node: { id: number; token: string };
  let otherNode: { id: number; token: string };

  beforeAll(async () => {
    t = await startTestApp();
    node = await healthyNode(t, 'fuzz-node', 1024);
    otherNode = await healthyNode(t, 'fuzz-other', 4);
    await t.http.post('/pods').send(pod('fuzz-bound', 1)).expect(201);
    counts = await countRows();
  });

  afterAll(async () => {
    // FUZZ_DUMP=file.json keeps every violation, for a closer look than the distinct examples
    if (process.env.FUZZ_DUMP)
      writeFileSync(process.env.FUZZ_DUMP, JSON.stringify(violations, null, 1));
    agent.destroy();
    await t?.close();
    const total = Object.values(cases).reduce((a, b) => a + b, 0);
    const total5xx = Object.values(fivexx).reduce((a, b) => a + b, 0);
    console.log(
      `fuzz (seed ${SEED}): ${total} cases, ${total5xx} answered 5xx, ${violations.length} violations\n` +
        Object.entries(cases)
          .map(
            ([e, n]) => `  ${e.padEnd(48)} ${String(n).padStart(5)} cases, ${fivexx[e] ?? 0} 5xx`,
          )
          .join('\n'),
    );
  });

  return {
    get t() {
      return t;
    },
    get node() {
      return node;
    },
    get otherNode() {
      return otherNode;
    },
    get counts() {
      return counts;
    },
    set counts(value: Counts) {
      counts = value;
    },
    cases,
    violations,
    unique,
    countRows,
    settledRows,
    check,
    expectNoViolations,
    runAll,
  };
}
