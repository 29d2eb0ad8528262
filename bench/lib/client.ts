/**
 * The load generator the peers were measured with (SPEC §10): a keep-alive `node:http`
 * client, `concurrency` requests in flight, each sent as soon as one is answered, a fixed
 * number of requests. The figures it gives stand beside autocannon's.
 */
import * as http from 'node:http';
import { CpuMeter, CpuShare } from './cpu';
import { Aborted, abortSignal, onCleanup, throwIfAborted } from './lifecycle';
import { percentile } from './stats';

export interface ClientRequest {
  method: string;
  path: string;
  /** JSON text */
  body?: string;
  headers?: Record<string, string>;
}

/** A request ready for the wire: its body as bytes, with its JSON headers. */
export interface PreparedRequest {
  method: string;
  path: string;
  body: Buffer | undefined;
  headers: Record<string, string | number>;
}

export function prepareRequest(r: ClientRequest): PreparedRequest {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  return {
    method: r.method,
    path: r.path,
    body,
    headers: {
      ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
      ...r.headers,
    },
  };
}

/**
 * Sends one request on a keep-alive agent: its status and (when `keepBody`) its text, or
 * null when no answer came (a transport error, or none within 30 s).
 */
export function sendRequest(
  agent: http.Agent,
  target: URL,
  p: PreparedRequest,
  keepBody: boolean,
): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: p.method,
        path: p.path,
        agent,
        headers: p.headers,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => keepBody && chunks.push(c));
        res.on('error', () => resolve(null));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', () => resolve(null));
    req.end(p.body);
  });
}

export interface ClientRunOptions {
  url: string;
  concurrency: number;
  count: number;
  /** the i-th request; built before the run starts, so building is not what is measured */
  request: (i: number) => ClientRequest;
  /** the answer to the i-th request (its body only when `keepBodies`) */
  onResponse?: (i: number, status: number, body: string) => void;
  keepBodies?: boolean;
  /** the status counted as success (default 200) */
  ok?: number;
  meter?: CpuMeter;
  /** every answered request's latency (ms) is pushed here too, to join runs exactly */
  samples?: number[];
  onTick?: (done: number, elapsedS: number) => void;
}

export interface ClientStats {
  requests: number;
  ok: number;
  duration_s: number;
  /** successful answers per second */
  per_s: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number; mean: number };
  status_counts: Record<string, number>;
  errors: number;
}

/**
 * Rate and latency of one run: `latencies` of every answered request (ms), `ok` of them
 * successful, over `durationS`. Nearest-rank percentiles.
 */
export function clientStats(
  latencies: readonly number[],
  statusCounts: Record<string, number>,
  okStatus: number,
  errors: number,
  durationS: number,
): ClientStats {
  const ok = statusCounts[String(okStatus)] ?? 0;
  const sorted = [...latencies].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    requests: latencies.length + errors,
    ok,
    duration_s: r(durationS),
    per_s: durationS > 0 ? r(ok / durationS) : NaN,
    latency_ms: {
      p50: r(percentile(sorted, 50)),
      p90: r(percentile(sorted, 90)),
      p99: r(percentile(sorted, 99)),
      max: r(percentile(sorted, 100)),
      mean: sorted.length ? r(sorted.reduce((a, b) => a + b, 0) / sorted.length) : NaN,
    },
    status_counts: statusCounts,
    errors,
  };
}

export interface ClientRun extends ClientStats {
  concurrency: number;
  cpu: CpuShare | null;
}

export async function runClient(options: ClientRunOptions): Promise<ClientRun> {
  throwIfAborted();
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const unregister = onCleanup('node:http load', () => agent.destroy());
  const okStatus = options.ok ?? 200;
  const prepared = Array.from({ length: options.count }, (_, i) =>
    prepareRequest(options.request(i)),
  );
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  const one = async (i: number) => {
    const started = performance.now();
    const answer = await sendRequest(agent, target, prepared[i], options.keepBodies ?? false);
    if (!answer) return void errors++;
    const ms = performance.now() - started;
    latencies.push(ms);
    options.samples?.push(ms);
    statusCounts[answer.status] = (statusCounts[answer.status] ?? 0) + 1;
    options.onResponse?.(i, answer.status, answer.body);
  };
  const started = performance.now();
  const ticker = setInterval(
    () => options.onTick?.(latencies.length + errors, (performance.now() - started) / 1000),
    1000,
  );
  options.meter?.begin();
  try {
    await Promise.all(
      Array.from({ length: Math.min(options.concurrency, options.count) }, async () => {
        while (next < options.count && !abortSignal.aborted) await one(next++);
      }),
    );
  } finally {
    clearInterval(ticker);
  }
  const durationS = (performance.now() - started) / 1000;
  const cpu = options.meter?.end() ?? null;
  unregister();
  agent.destroy();
  if (abortSignal.aborted) throw new Aborted();
  return {
    ...clientStats(latencies, statusCounts, okStatus, errors, durationS),
    concurrency: options.concurrency,
    cpu,
  };
}
