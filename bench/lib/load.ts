// ts-node does not load ambient declarations listed in tsconfig's include: name it here
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./autocannon.d.ts" />
/** autocannon, run in this process against 127.0.0.1, stoppable by Ctrl-C. */
import autocannon from 'autocannon';
import { CpuMeter, CpuShare } from './cpu';
import { Aborted, abortSignal, onCleanup, throwIfAborted } from './lifecycle';

export interface LoadOptions {
  url: string;
  connections: number;
  /** seconds; ignored when `amount` is set */
  durationS?: number;
  /** number of requests, instead of a duration */
  amount?: number;
  /** stop anyway after this many seconds (a bound for `amount` runs) */
  maxSeconds?: number;
  request: autocannon.Request;
  /** called about every second with the responses so far */
  onTick?: (responses: number, elapsedS: number) => void;
  /** measures where the CPU went during the run */
  meter?: CpuMeter;
}

export interface LoadResult {
  durationS: number;
  responses: number;
  statusCounts: Record<string, number>;
  /** connection errors, timeouts included */
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** true when maxSeconds cut an `amount` run short */
  cutShort: boolean;
  cpu: CpuShare | null;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
  throwIfAborted();
  return new Promise((resolve, reject) => {
    let responses = 0;
    let cutShort = false;
    const started = Date.now();
    const ticker = setInterval(
      () => options.onTick?.(responses, (Date.now() - started) / 1000),
      1000,
    );
    const cap = options.maxSeconds
      ? setTimeout(() => {
          cutShort = true;
          instance.stop();
        }, options.maxSeconds * 1000)
      : undefined;
    const onAbort = () => instance.stop();
    abortSignal.addEventListener('abort', onAbort, { once: true });
    const unregister = onCleanup('autocannon', () => instance.stop());
    options.meter?.begin();
    const finish = () => {
      clearInterval(ticker);
      clearTimeout(cap);
      abortSignal.removeEventListener('abort', onAbort);
      unregister();
    };
    // the callbacks above run later (timers, abort): by then `instance` is set
    const instance: autocannon.Instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount === undefined
          ? { duration: options.durationS }
          : { amount: options.amount }),
        timeout: 30,
        requests: [options.request],
      },
      (error, result) => {
        const cpu = options.meter?.end() ?? null;
        finish();
        if (error) return reject(error);
        if (abortSignal.aborted) return reject(new Aborted());
        const statusCounts: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {}))
          statusCounts[code] = Number(count);
        resolve({
          durationS: (result.finish.getTime() - result.start.getTime()) / 1000,
          responses: Object.values(statusCounts).reduce((a, b) => a + b, 0),
          statusCounts,
          errors: result.errors,
          timeouts: result.timeouts,
          latencyMs: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
            mean: result.latency.average,
          },
          cutShort,
          cpu,
        });
      },
    );
    instance.on('response', () => responses++);
  });
}
