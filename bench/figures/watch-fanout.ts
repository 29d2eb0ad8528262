/**
 * Figure 9: one watch stream fanned out. `watchers` Kubernetes watches of the default
 * namespace's pods (`GET /api/v1/namespaces/default/pods?watch=true`, each from the list's
 * resourceVersion, as an informer starts) stay open while pods are created through the
 * Kubernetes API at a paced rate. For each watcher and each created pod: did its ADDED
 * arrive, and how long after the creation's 201 reached the client.
 */
import { Api } from '../lib/api';
import { kubePodBody } from '../lib/cluster';
import { CpuMeter, CpuShare } from '../lib/cpu';
import { KubeWatchStream } from '../lib/kube-watch-stream';
import { abortSignal, sleep, throwIfAborted } from '../lib/lifecycle';
import { PacedClient } from '../lib/paced-client';
import { median, percentile, round } from '../lib/stats';

export interface WatchPlan {
  /** nodes registered (healthy, roomy) before the watches open */
  nodes: number;
  watchers: number;
  /** creations asked per second, for `seconds` */
  ratePerS: number;
  seconds: number;
  /** how long after the last 201 the watchers may take to catch up */
  drainS: number;
}

export interface WatcherResult {
  added: number;
  modified: number;
  /** events of other objects, bookmarks, errors */
  other: number;
  /** created pods (201) whose ADDED never arrived */
  missing: number;
  /** ADDED of created pods per second, first to last arrival */
  delivery_per_s: number;
  ended_early: boolean;
  bytes: number;
}

export interface WatchFanoutResult {
  nodes: number;
  watchers: number;
  asked_per_s: number;
  seconds: number;
  resource_version: string;
  created_201: number;
  not_201: number;
  not_201_by_status: Record<string, number>;
  unsent: number;
  created_per_s: number;
  create_latency_ms: { p50: number; p99: number; max: number };
  send_late_ms: { p50: number; p99: number; max: number };
  /** the same paced creations once the watches are closed */
  without_watches: ReturnType<typeof creationStats>;
  events: {
    expected_added: number;
    added: number;
    modified: number;
    missing: number;
    watchers_complete: number;
    watchers_ended_early: number;
  };
  delivery_per_s: { min: number; median: number };
  /** watch arrival − the creation's 201 at the client, over every watcher and pod */
  lag_ms: {
    p50: number;
    p99: number;
    max: number;
    first_second_p99: number;
    last_second_p99: number;
  };
  /** from the last 201 until every watcher had every pod (or the drain bound) */
  drain_s: number;
  drained: boolean;
  per_watcher: WatcherResult[];
  cpu: CpuShare | null;
}

const WATCH_PATH = '/api/v1/namespaces/default/pods';

interface PacedRun {
  /** performance.now() when the i-th creation's 201 arrived (NaN: no 201) */
  ok: Float64Array;
  /** when the first was due */
  t0: number;
  /** the answers that were not 201, by status (0: none came: a transport error, or still owed when the drain ended) */
  not201ByStatus: Record<string, number>;
  /** given up before they left: the server was that far behind */
  unsent: number;
  sentLate: number[];
  latency: number[];
}

/**
 * The pods created at `ratePerS` through the Kubernetes API, each sent when it is due (or
 * when one of 64 connections is free); answers still owed `drainS` after the last was due
 * are given up.
 */
async function pacedCreations(
  api: Api,
  bodies: readonly string[],
  plan: Pick<WatchPlan, 'ratePerS' | 'drainS'>,
  onProgress?: (sent: number, answered: number) => void,
): Promise<PacedRun> {
  const count = bodies.length;
  const client = new PacedClient(api.baseUrl, 64);
  const run: PacedRun = {
    ok: new Float64Array(count).fill(NaN),
    t0: performance.now() + 50,
    not201ByStatus: {},
    unsent: 0,
    sentLate: [],
    latency: [],
  };
  const due = (i: number) => run.t0 + (i * 1000) / plan.ratePerS;
  const pending: Promise<void>[] = [];
  let answered = 0;
  let next = 0;
  while (next < count && !abortSignal.aborted) {
    const now = performance.now();
    while (next < count && due(next) <= now) {
      const i = next++;
      pending.push(
        client.send({ method: 'POST', path: WATCH_PATH, body: bodies[i] }, due(i)).then((a) => {
          answered++;
          if (!a.sent) return void run.unsent++;
          run.sentLate.push(a.sentAt - a.dueAt);
          run.latency.push(a.doneAt - a.sentAt);
          if (a.status === 201) run.ok[i] = a.doneAt;
          else run.not201ByStatus[a.status] = (run.not201ByStatus[a.status] ?? 0) + 1;
        }),
      );
    }
    onProgress?.(next, answered);
    await sleep(Math.max(1, Math.min(20, due(next) - performance.now())));
  }
  const sentAll = performance.now();
  while (answered < count && !abortSignal.aborted) {
    if (performance.now() - sentAll > plan.drainS * 1000) break;
    onProgress?.(next, answered);
    await sleep(250);
  }
  client.close(); // what is still owed ends now, as no answer
  await Promise.all(pending);
  throwIfAborted();
  return run;
}

function creationStats(run: PacedRun) {
  let created = 0;
  let lastOk = run.t0;
  for (const at of run.ok)
    if (!Number.isNaN(at)) {
      created++;
      lastOk = Math.max(lastOk, at);
    }
  const p = (xs: number[], q: number) => round(percentile(xs, q), 1);
  return {
    created_201: created,
    not_201: Object.values(run.not201ByStatus).reduce((n, k) => n + k, 0),
    not_201_by_status: run.not201ByStatus,
    unsent: run.unsent,
    /** 201s per second, from the first due to the last 201 */
    created_per_s: round(created / ((lastOk - run.t0) / 1000), 1),
    create_latency_ms: {
      p50: p(run.latency, 50),
      p99: p(run.latency, 99),
      max: p(run.latency, 100),
    },
    /** how late the paced creations left (a server behind keeps the connections busy) */
    send_late_ms: { p50: p(run.sentLate, 50), p99: p(run.sentLate, 99), max: p(run.sentLate, 100) },
  };
}

export async function watchFanout(
  api: Api,
  plan: WatchPlan,
  options: {
    prefix: string;
    meter?: CpuMeter;
    onProgress?: (fraction: number, detail: string) => void;
  },
): Promise<WatchFanoutResult> {
  const count = Math.round(plan.ratePerS * plan.seconds);
  const name = (i: number) => `${options.prefix}-${i}`;
  const bodies = Array.from({ length: count }, (_, i) => kubePodBody(name(i)));
  const list = await api.get<{ metadata: { resourceVersion: string } }>(`${WATCH_PATH}?limit=1`);
  const rv = list.metadata.resourceVersion;

  // arrival[w][i]: when watcher w got pod i's ADDED (NaN: not yet)
  const arrival = Array.from({ length: plan.watchers }, () => new Float64Array(count).fill(NaN));
  const counts = Array.from({ length: plan.watchers }, () => ({ added: 0, modified: 0, other: 0 }));
  const podIndex = new RegExp(`"name":"${options.prefix}-(\\d+)"`);
  const streams: KubeWatchStream[] = [];
  try {
    for (let w = 0; w < plan.watchers; w++) {
      const c = counts[w];
      const seen = arrival[w];
      streams.push(
        await KubeWatchStream.open(
          api.baseUrl,
          `${WATCH_PATH}?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true`,
          (line, at) => {
            const type = line.startsWith('{"type":"ADDED"')
              ? 'ADDED'
              : line.startsWith('{"type":"MODIFIED"')
                ? 'MODIFIED'
                : 'other';
            const m = type === 'other' ? null : podIndex.exec(line);
            const i = m ? Number(m[1]) : -1;
            if (i < 0 || i >= count) return void c.other++;
            if (type === 'MODIFIED') return void c.modified++;
            if (Number.isNaN(seen[i])) {
              seen[i] = at;
              c.added++;
            }
          },
        ),
      );
    }
    options.onProgress?.(0.05, `${plan.watchers} watches open from resourceVersion ${rv}`);
    await sleep(500); // every watch has done its first read

    options.meter?.begin();
    const run = await pacedCreations(api, bodies, plan, (sent, answered) =>
      options.onProgress?.(
        0.05 + 0.6 * (sent / count),
        `${sent}/${count} pods sent, ${answered} answered` +
          (plan.watchers ? `, watcher 1 has ${counts[0].added}` : ''),
      ),
    );
    const { ok, t0 } = run;
    const created = [...ok.keys()].filter((i) => !Number.isNaN(ok[i]));
    let lastOk = t0;
    for (const i of created) lastOk = Math.max(lastOk, ok[i]);

    // the watchers catch up, or the drain bound passes
    const complete = (w: number) => created.every((i) => !Number.isNaN(arrival[w][i]));
    let drained = false;
    const drainDeadline = performance.now() + plan.drainS * 1000;
    for (;;) {
      const done = arrival.filter((_, w) => complete(w)).length;
      if (done === plan.watchers) {
        drained = true;
        break;
      }
      if (performance.now() > drainDeadline) break;
      options.onProgress?.(
        0.65 + (0.35 * (performance.now() - lastOk)) / (plan.drainS * 1000),
        `${done}/${plan.watchers} watchers have all ${created.length} pods`,
      );
      await sleep(100);
    }
    let lastArrival = lastOk;
    for (const a of arrival) for (const i of created) if (a[i] > lastArrival) lastArrival = a[i];
    const cpu = options.meter?.end() ?? null;
    for (const st of streams) st.close();

    // the same creations with no watch open: what the watches cost the server
    options.onProgress?.(0.9, 'the same creations, no watch open');
    await sleep(1000);
    const alone = await pacedCreations(
      api,
      Array.from({ length: count }, (_, i) => kubePodBody(`${options.prefix}-alone-${i}`)),
      plan,
    );

    const lags: number[] = [];
    const firstLags: number[] = [];
    const lastLags: number[] = [];
    const perWatcher: WatcherResult[] = arrival.map((a, w) => {
      let seen = 0;
      let first = Infinity;
      let last = -Infinity;
      for (const i of created) {
        if (Number.isNaN(a[i])) continue;
        const lag = a[i] - ok[i];
        lags.push(lag);
        if (i < plan.ratePerS) firstLags.push(lag);
        if (i >= count - plan.ratePerS) lastLags.push(lag);
        seen++;
        first = Math.min(first, a[i]);
        last = Math.max(last, a[i]);
      }
      const span = seen > 1 ? last - first : NaN;
      return {
        added: counts[w].added,
        modified: counts[w].modified,
        other: counts[w].other,
        missing: created.length - seen,
        // one event covers one pacing interval: a watcher that keeps up shows the pace
        delivery_per_s: round(seen / ((span + 1000 / plan.ratePerS) / 1000), 1),
        ended_early: streams[w].endedEarly,
        bytes: streams[w].bytes,
      };
    });
    const p = (xs: number[], q: number) => round(percentile(xs, q), 1);
    const rates = perWatcher.map((x) => x.delivery_per_s);
    return {
      nodes: plan.nodes,
      watchers: plan.watchers,
      asked_per_s: plan.ratePerS,
      seconds: plan.seconds,
      resource_version: rv,
      ...creationStats(run),
      without_watches: creationStats(alone),
      events: {
        expected_added: created.length * plan.watchers,
        added: perWatcher.reduce((s, x) => s + x.added, 0),
        modified: perWatcher.reduce((s, x) => s + x.modified, 0),
        missing: perWatcher.reduce((s, x) => s + x.missing, 0),
        watchers_complete: perWatcher.filter((x) => x.missing === 0).length,
        watchers_ended_early: perWatcher.filter((x) => x.ended_early).length,
      },
      delivery_per_s: { min: Math.min(...rates), median: round(median(rates), 1) },
      lag_ms: {
        p50: p(lags, 50),
        p99: p(lags, 99),
        max: p(lags, 100),
        first_second_p99: p(firstLags, 99),
        last_second_p99: p(lastLags, 99),
      },
      drain_s: round((Math.max(lastArrival, lastOk) - lastOk) / 1000, 2),
      drained,
      per_watcher: perWatcher,
      cpu,
    };
  } finally {
    for (const s of streams) s.close();
  }
}
