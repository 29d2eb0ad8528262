/**
 * The few things the agent takes from its surroundings — HTTP, time, randomness —
 * narrowed to what it uses so tests can hand in fakes and global fetch fits as is.
 */

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  text(): Promise<string>;
}

export type FetchLike = (url: string, init: HttpRequest) => Promise<HttpResponse>;

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The wall time of a clock instant (ISO): the clock may be a test's, so now minus the gap. */
export function isoAt(clock: Clock, clockMs: number): string {
  return new Date(Date.now() - (clock.now() - clockMs)).toISOString();
}

/** A uniform number in [0, 1), like Math.random. */
export type Random = () => number;

export interface HttpResult {
  /** 0 when no answer came back at all (refused, reset, timed out) */
  status: number;
  body: string;
  error?: string;
}

/**
 * One JSON POST with a deadline. Never throws: a refused connection, a timeout or an
 * unreadable body all come back as a result the caller decides on.
 */
export function postJson(
  fetchFn: FetchLike,
  clock: Clock,
  url: string,
  body: unknown,
  options: { bearer?: string; timeoutMs: number; abort?: AbortController },
): Promise<HttpResult> {
  return sendJson(fetchFn, clock, 'POST', url, body, options);
}

/** postJson for any method: a DELETE too carries a JSON body (`{}`), as the API wants. */
export async function sendJson(
  fetchFn: FetchLike,
  clock: Clock,
  method: string,
  url: string,
  body: unknown,
  options: { bearer?: string; timeoutMs: number; abort?: AbortController },
): Promise<HttpResult> {
  const controller = options.abort ?? new AbortController();
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  try {
    const response = await fetchFn(url, {
      method,
      headers,
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const reason = timedOut ? `no answer within ${options.timeoutMs} ms` : describeError(error);
    return { status: 0, body: '', error: reason };
  } finally {
    clock.clearTimeout(timer);
  }
}

/** `fetch failed (ECONNREFUSED)` rather than undici's bare `fetch failed`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const code =
    cause && typeof cause === 'object' && 'code' in cause
      ? String((cause as { code: unknown }).code)
      : '';
  return code ? `${error.message} (${code})` : error.message;
}
