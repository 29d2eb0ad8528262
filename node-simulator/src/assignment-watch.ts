/**
 * The assignment watch: one long poll (POST /nodes/:id/watch) kept open while the agent
 * runs, which the API answers as soon as the node's pods change, so a new pod starts at
 * once instead of at the next heartbeat. Any trouble ends it; the heartbeat stays the
 * fallback and starts it again.
 */
import { parseWatchResponse, RejectedPod } from './heartbeat-response';
import { Logger } from './logger';
import { Clock, describeError, FetchLike, postJson } from './runtime-deps';
import { WatchRequest, WatchResponse } from './wire';

/** how long one watch waits on the server before it is renewed */
export const WATCH_TIMEOUT_MS = 25_000;

/** A well-formed watch answer, with the pods whose spec could not be read set apart. */
export type WatchAnswer = WatchResponse & { rejected: RejectedPod[] };

export interface WatchHandler {
  /** the watch is held only while this holds (running, not partitioned) */
  open(): boolean;
  /** what the next poll asks from: the version held, and the pods held unless the server is old */
  request(): Omit<WatchRequest, 'timeout_ms'>;
  /** applies an answer */
  apply(answer: WatchAnswer): void;
}

export interface AssignmentWatchOptions {
  nodeName: string;
  url: string;
  /** the node's heartbeat token */
  token: string;
  fetch: FetchLike;
  clock: Clock;
  logger: Logger;
}

export class AssignmentWatch {
  private watching = false;
  private abortPoll: AbortController | undefined;

  constructor(
    private readonly options: AssignmentWatchOptions,
    private readonly handler: WatchHandler,
  ) {}

  /** Opens the watch unless one is open already. */
  start(): void {
    if (this.watching || !this.handler.open()) return;
    this.watching = true;
    void this.loop();
  }

  /** Abandons the poll under way; the watch ends. */
  abort(): void {
    this.abortPoll?.abort();
  }

  private async loop(): Promise<void> {
    const { fetch, clock, url, token, logger, nodeName } = this.options;
    try {
      while (this.handler.open()) {
        const abort = new AbortController();
        this.abortPoll = abort;
        const { pods_version, ...held } = this.handler.request();
        const result = await postJson(
          fetch,
          clock,
          url,
          { pods_version, timeout_ms: WATCH_TIMEOUT_MS, ...held },
          { bearer: token, timeoutMs: WATCH_TIMEOUT_MS + 5_000, abort },
        );
        if (!this.handler.open()) return;
        const answer = result.status === 200 ? parseWatchResponse(result.body) : null;
        // anything else (an older server, 401, 5xx, no network) is the heartbeat's business
        if (!answer?.ok) return;
        this.handler.apply(answer.value);
      }
    } catch (error) {
      logger.warn(`${nodeName}: assignment watch stopped: ${describeError(error)}`);
    } finally {
      this.watching = false;
      this.abortPoll = undefined;
    }
  }
}
