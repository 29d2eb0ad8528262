/**
 * A keep-alive `node:http` client for paced load: the caller says when each request is due
 * (a creation rate, a heartbeat schedule) and the client sends it then, or as soon as one
 * of its `maxInFlight` requests is answered. How late each request left is recorded, so a
 * load generator that cannot keep its schedule says so instead of quietly sending less.
 */
import * as http from 'node:http';
import { onCleanup } from './lifecycle';
import { ClientRequest, prepareRequest, sendRequest } from './client';

export interface PacedAnswer {
  /** 0: no answer (a transport error or a timeout) */
  status: number;
  /** false: given up before it left (the client was closed) */
  sent: boolean;
  /** the answer's text when the request asked to keep it, else '' */
  body: string;
  /** performance.now() when the request was due, when it left, when its answer was complete */
  dueAt: number;
  sentAt: number;
  doneAt: number;
}

interface Queued {
  request: ClientRequest & { keepBody?: boolean };
  dueAt: number;
  resolve: (answer: PacedAnswer) => void;
}

export class PacedClient {
  private readonly agent: http.Agent;
  private readonly target: URL;
  private readonly queue: Queued[] = [];
  private head = 0;
  private inFlight = 0;
  private closed = false;
  private readonly unregister: () => void;

  constructor(
    url: string,
    private readonly maxInFlight: number,
  ) {
    this.target = new URL(url);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
    this.unregister = onCleanup('paced node:http load', () => this.close());
  }

  /** requests waiting for a free slot now */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Sends the request now (it was due at `dueAt`), or once a slot is free. */
  send(
    request: ClientRequest & { keepBody?: boolean },
    dueAt = performance.now(),
  ): Promise<PacedAnswer> {
    return new Promise((resolve) => {
      if (this.closed)
        return resolve({
          status: 0,
          sent: false,
          body: '',
          dueAt,
          sentAt: dueAt,
          doneAt: performance.now(),
        });
      this.queue.push({ request, dueAt, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.head < this.queue.length) {
      const next = this.queue[this.head++];
      this.dispatch(next);
    }
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private dispatch({ request, dueAt, resolve }: Queued): void {
    this.inFlight++;
    const sentAt = performance.now();
    void sendRequest(this.agent, this.target, prepareRequest(request), !!request.keepBody).then(
      (answer) => {
        this.inFlight--;
        resolve({
          status: answer?.status ?? 0,
          sent: true,
          body: answer?.body ?? '',
          dueAt,
          sentAt,
          doneAt: performance.now(),
        });
        this.pump();
      },
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    for (let i = this.head; i < this.queue.length; i++) {
      const q = this.queue[i];
      q.resolve({
        status: 0,
        sent: false,
        body: '',
        dueAt: q.dueAt,
        sentAt: q.dueAt,
        doneAt: performance.now(),
      });
    }
    this.queue.length = 0;
    this.head = 0;
    this.agent.destroy();
  }
}
