/**
 * The node's heartbeats: one POST /nodes/:id/heartbeat every interval (±10% jitter), at
 * once when there is news, never two at a time; backing off while the API does not answer,
 * and telling the agent when the API says the node must go. What a beat carries and what
 * an answer does to the pods is the agent's (HeartbeatHandler).
 */
import { HeartbeatRequest, HeartbeatResponse } from './wire';
import { parseHeartbeatResponse, RejectedPod } from './heartbeat-response';
import { Logger } from './logger';
import {
  Clock,
  describeError,
  FetchLike,
  HttpResult,
  postJson,
  Random,
  TimerHandle,
} from './runtime-deps';

export const MAX_BACKOFF_MS = 30_000;
export const LAST_HEARTBEAT_TIMEOUT_MS = 1_000;

/** The beat period with ±10% jitter, so agents started together drift apart. */
export function jitteredIntervalMs(intervalMs: number, random: Random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}

/**
 * Delay before retry number `failures` (1 = first) while the API does not answer:
 * the interval doubling per failure, ±10% jitter, never above 30 s (or the interval
 * itself when that is longer).
 */
export function backoffDelayMs(failures: number, intervalMs: number, random: Random): number {
  const cap = Math.max(MAX_BACKOFF_MS, intervalMs);
  const base = Math.min(cap, intervalMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return Math.min(cap, Math.round(base * (0.9 + 0.2 * random())));
}

/** A well-formed heartbeat answer, with the pods whose spec could not be read set apart. */
export type HeartbeatAnswer = HeartbeatResponse & { rejected: RejectedPod[] };

/** Why the API sent the node away. */
export type GoneReason = 'terminated' | 'deleted' | 'unauthorized';

export interface HeartbeatHandler {
  /** beats go out only while this holds (a stopping or stopped agent sends none) */
  running(): boolean;
  /** a simulated partition: the timer keeps going, nothing is sent */
  partitioned(): boolean;
  /** the body of the next beat */
  report(): HeartbeatRequest;
  /** the API answered the beat (2xx): what it carried is delivered */
  delivered(): void;
  /** applies a well-formed answer; returns whether to ask again at once (pods still to come) */
  apply(answer: HeartbeatAnswer): boolean;
  /** the API told the node to go */
  gone(reason: GoneReason): void;
}

export interface HeartbeatLoopOptions {
  nodeName: string;
  url: string;
  /** the node's heartbeat token */
  token: string;
  intervalMs: number;
  /** deadline of one heartbeat */
  requestTimeoutMs: number;
  fetch: FetchLike;
  clock: Clock;
  random: Random;
  logger: Logger;
}

export class HeartbeatLoop {
  private timer: TimerHandle | undefined;
  private abort: AbortController | undefined;
  private inFlight = false;
  /** a beat was asked for while one was on its way */
  private again = false;
  private failures = 0;
  private reachable = false;
  /** the server refused `pods_version` in a beat (an older release): send the old body */
  private legacy = false;
  private readonly nodeName: string;
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    private readonly options: HeartbeatLoopOptions,
    private readonly handler: HeartbeatHandler,
  ) {
    this.nodeName = options.nodeName;
    this.clock = options.clock;
    this.logger = options.logger;
  }

  /** the last heartbeat got an answer */
  get apiReachable(): boolean {
    return this.reachable;
  }

  /** the server takes no `pods_version`: every answer is the full pod set */
  get legacyServer(): boolean {
    return this.legacy;
  }

  /** Sends a heartbeat now; if one is on its way, right after it. */
  beat(): void {
    if (!this.handler.running()) return;
    if (this.handler.partitioned()) {
      // Keep the timer going (it also keeps a lone agent's process alive), send nothing.
      this.beatIn(this.interval());
      return;
    }
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.cancelTimer();
    this.again = false;
    void this.exchange();
  }

  /** A beat now, unless the API is down: then the back-off decides. */
  soon(): void {
    if (this.failures === 0) this.beat();
  }

  beatIn(delayMs: number): void {
    this.cancelTimer();
    this.timer = this.clock.setTimeout(this.onTimer, delayMs);
  }

  /** No more beats: the timer is cancelled, a beat on its way abandoned. */
  halt(): void {
    this.cancelTimer();
    this.abort?.abort();
  }

  /** The node's last beat (`terminating`), waiting at most 1 s for it. */
  async sendLast(body: HeartbeatRequest): Promise<void> {
    const { fetch, url, token } = this.options;
    const result = await postJson(fetch, this.clock, url, body, {
      bearer: token,
      timeoutMs: LAST_HEARTBEAT_TIMEOUT_MS,
    });
    if (result.status < 200 || result.status >= 300) {
      this.logger.warn(`${this.nodeName}: last heartbeat not delivered (${failure(result)})`);
    }
  }

  /** Bound once: timers get this, not a fresh closure per beat. */
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.beat();
  };

  private cancelTimer(): void {
    if (this.timer === undefined) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private interval(): number {
    return jitteredIntervalMs(this.options.intervalMs, this.options.random);
  }

  private async exchange(): Promise<void> {
    this.inFlight = true;
    const abort = new AbortController();
    this.abort = abort;
    const { fetch, url, token, requestTimeoutMs } = this.options;
    const result = await postJson(fetch, this.clock, url, this.handler.report(), {
      bearer: token,
      timeoutMs: requestTimeoutMs,
      abort,
    });
    try {
      // Still "in flight" while the answer is applied: a beat asked for meanwhile (a pod
      // failing at once) waits for the full pod set and goes out right after.
      if (this.handler.running()) this.handle(result);
    } catch (error) {
      // A bug here must not stop the heartbeats.
      this.logger.error(
        `${this.nodeName}: heartbeat answer handling failed: ${describeError(error)}`,
      );
      this.beatIn(this.interval());
    } finally {
      this.inFlight = false;
      this.abort = undefined;
    }
  }

  private handle(result: HttpResult): void {
    switch (result.status) {
      case 401:
        this.logger.error(
          `${this.nodeName}: heartbeat refused: token not accepted (401); stopping`,
        );
        return this.handler.gone('unauthorized');
      case 404:
        this.logger.info(`${this.nodeName}: node no longer exists (404); stopping`);
        return this.handler.gone('deleted');
      case 410:
        this.logger.info(`${this.nodeName}: API asked the node to terminate (410); stopping`);
        return this.handler.gone('terminated');
    }
    if (result.status === 400 && !this.legacy && result.body.includes('pods_version')) {
      // a server of an older release: it answers every pod in full, without this field
      this.legacy = true;
      this.logger.info(`${this.nodeName}: the API takes no pods_version; full answers from now`);
      return this.beatIn(0);
    }
    if (result.status < 200 || result.status >= 300) return this.retryLater(result);
    this.markReachable();
    this.handler.delivered();
    const answer = parseHeartbeatResponse(result.body);
    if (!answer.ok) {
      this.logger.warn(`${this.nodeName}: ignored a malformed heartbeat answer (${answer.reason})`);
      return this.beatIn(this.interval());
    }
    if (answer.value.terminate) {
      this.logger.info(`${this.nodeName}: API asked the node to terminate; stopping`);
      return this.handler.gone('terminated');
    }
    const more = this.handler.apply(answer.value);
    this.beatIn(this.again || more ? 0 : this.interval());
  }

  private retryLater(result: HttpResult): void {
    this.failures++;
    this.reachable = false;
    // One line per outage, not one per retry.
    if (this.failures === 1) {
      const what =
        result.status === 0 || result.status >= 500 ? 'API unreachable' : 'heartbeat refused';
      this.logger.warn(`${this.nodeName}: ${what} (${failure(result)}); retrying with backoff`);
    }
    this.beatIn(backoffDelayMs(this.failures, this.options.intervalMs, this.options.random));
  }

  private markReachable(): void {
    if (this.failures > 0) {
      this.logger.info(
        `${this.nodeName}: API reachable again after ${this.failures} failed heartbeats`,
      );
    }
    this.failures = 0;
    this.reachable = true;
  }
}

function failure(result: HttpResult): string {
  return result.error ?? `HTTP ${result.status}`;
}
