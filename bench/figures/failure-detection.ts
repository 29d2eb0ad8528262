/**
 * Figure 3: how long after its last heartbeat a silent node is declared failed, on a
 * server with the default timings. Several target nodes are silenced at staggered
 * moments (so they fall at different phases of the monitor's tick) while a few other
 * nodes keep beating (with every node silent the monitor suspects itself, not them).
 */
import { Api } from '../lib/api';
import { Beater, BenchNode, beatAll, pollUntil, registerNodes } from '../lib/cluster';
import { sleep } from '../lib/lifecycle';
import { median } from '../lib/stats';

export interface DetectionSample {
  node: string;
  last_beat_at: number;
  failed_seen_at: number;
  /** failed_seen_at − last_beat_at: an upper bound, by at most one poll interval */
  delay_ms: number;
  /** the last poll that still saw it not failed: the lower bound */
  lower_bound_ms: number;
}

export interface DetectionResult {
  timeout_ms: number;
  tick_ms: number;
  poll_ms: number;
  samples: DetectionSample[];
  median_ms: number;
  /** nodes that were not seen failed within timeout + 10 s */
  missed: string[];
}

const POLL_MS = 100;

export async function failureDetection(
  api: Api,
  options: {
    prefix: string;
    repetitions: number;
    timeoutMs: number;
    tickMs: number;
    onProgress?: (fraction: number, detail: string) => void;
  },
): Promise<DetectionResult> {
  const keepers = await registerNodes(api, {
    prefix: `${options.prefix}-keep`,
    from: 1,
    to: 4,
    cpus: 2,
  });
  const targets = await registerNodes(api, {
    prefix: `${options.prefix}-target`,
    from: 1,
    to: options.repetitions + 1,
    cpus: 2,
  });
  await beatAll(api, [...keepers, ...targets]);
  const beater = new Beater(api, 1000);
  try {
    for (const n of [...keepers, ...targets]) beater.add(n);
    await sleep(2500); // a couple of beats each: their last one is then well defined
    const started = Date.now();
    const budget = options.timeoutMs + options.tickMs + 10_000;
    const ticker = setInterval(() => {
      const elapsed = Date.now() - started;
      options.onProgress?.(
        Math.min(0.99, elapsed / (options.timeoutMs + options.tickMs * 2)),
        `${Math.floor(elapsed / 1000)} s of silence, timeout ${options.timeoutMs / 1000} s`,
      );
    }, 500);
    const samples = await Promise.all(
      targets.map(async (node, k): Promise<DetectionSample | null> => {
        await sleep((k * options.tickMs) / targets.length);
        return watch(api, beater, node, budget);
      }),
    ).finally(() => clearInterval(ticker));
    const ok = samples.filter((s): s is DetectionSample => s !== null);
    return {
      timeout_ms: options.timeoutMs,
      tick_ms: options.tickMs,
      poll_ms: POLL_MS,
      samples: ok,
      median_ms: median(ok.map((s) => s.delay_ms)),
      missed: targets.filter((_, i) => samples[i] === null).map((n) => n.name),
    };
  } finally {
    beater.stop();
  }
}

async function watch(
  api: Api,
  beater: Beater,
  node: BenchNode,
  budgetMs: number,
): Promise<DetectionSample | null> {
  const lastBeat = await beater.silence(node);
  let lastNotFailed = lastBeat;
  const seen = await pollUntil(POLL_MS, budgetMs, async () => {
    const res = await api.request<{ health_status: string }>('GET', `/nodes/${node.id}`);
    if (res.status === 200 && res.body.health_status === 'failed') return res.at;
    lastNotFailed = res.at;
    return null;
  });
  if (seen === null) return null;
  return {
    node: node.name,
    last_beat_at: lastBeat,
    failed_seen_at: seen,
    delay_ms: seen - lastBeat,
    lower_bound_ms: lastNotFailed - lastBeat,
  };
}
