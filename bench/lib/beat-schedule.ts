/**
 * Many nodes beating on a fixed schedule from one loop, as thousands of agents would:
 * each node every `intervalMs` on its own phase, each beat moved by up to ±`jitterMs`,
 * the next one due an interval after the last was due (so the schedule does not drift when
 * the server is slow). A beat reports the pods the node's last answer gave it and that
 * answer's pods_version, as an agent does, so answers carry only what changed. Counts go
 * to the window open now (`window(name)`), so a figure can tell set-up from soak.
 */
import { BenchNode, WORKER_COMPONENTS } from './cluster';
import { PacedClient } from './paced-client';

/** A beat that left more than this after it was due counts as late; one answered after more, as slow. */
export const LATE_MS = 1000;

export interface BeatWindow {
  name: string;
  /** performance.now() at its start and end */
  from: number;
  to: number | null;
  sent: number;
  ok: number;
  not_200: number;
  errors: number;
  late: number;
  max_late_ms: number;
  /** 200s that took more than LATE_MS to come back */
  slow: number;
  /** round-trip times of the 200s, ms */
  latencies: number[];
}

interface Scheduled {
  node: BenchNode;
  due: number;
  held: number[];
  version: number | undefined;
  lastOk: number | null;
  /** the longest time between two 200s of this node, ms */
  maxGapMs: number;
}

const SLOT_MS = 10;

export class BeatSchedule {
  private readonly client: PacedClient;
  private readonly slots = new Map<number, Scheduled[]>();
  private readonly nodes: Scheduled[] = [];
  private readonly windows: BeatWindow[] = [];
  private current: BeatWindow;
  private nextSlot = Math.floor(performance.now() / SLOT_MS);
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    url: string,
    private readonly intervalMs: number,
    private readonly jitterMs: number,
    maxInFlight = 128,
  ) {
    this.client = new PacedClient(url, maxInFlight);
    this.current = this.open('start');
    this.timer = setInterval(() => this.tick(), SLOT_MS);
  }

  /** A node that has just had its first beat answered at `lastOk`: the next is due within an interval. */
  add(node: BenchNode, lastOk: number, answer?: { pod_ids?: number[]; pods_version?: number }) {
    const s: Scheduled = {
      node,
      due: performance.now() + Math.random() * this.intervalMs,
      held: answer?.pod_ids ?? [],
      version: answer?.pods_version,
      lastOk,
      maxGapMs: 0,
    };
    this.nodes.push(s);
    this.place(s);
  }

  get size(): number {
    return this.nodes.length;
  }

  /** beats waiting for a free connection now */
  get backlog(): number {
    return this.client.waiting;
  }

  /** Closes the window open now and opens `name`. */
  window(name: string): BeatWindow {
    this.current.to = performance.now();
    const closed = this.current;
    this.current = this.open(name);
    return closed;
  }

  get all(): readonly BeatWindow[] {
    return this.windows;
  }

  /** the longest time between two 200s of any node, and since the last 200 of the most silent one */
  gaps(now = performance.now()): { max_gap_ms: number; max_silent_ms: number } {
    let gap = 0;
    let silent = 0;
    for (const s of this.nodes) {
      gap = Math.max(gap, s.maxGapMs);
      silent = Math.max(silent, s.lastOk === null ? Infinity : now - s.lastOk);
    }
    return { max_gap_ms: gap, max_silent_ms: silent };
  }

  stop(): BeatWindow {
    this.stopped = true;
    clearInterval(this.timer);
    const last = this.window('stopped');
    this.client.close();
    return last;
  }

  private open(name: string): BeatWindow {
    const w: BeatWindow = {
      name,
      from: performance.now(),
      to: null,
      sent: 0,
      ok: 0,
      not_200: 0,
      errors: 0,
      late: 0,
      max_late_ms: 0,
      slow: 0,
      latencies: [],
    };
    this.windows.push(w);
    return w;
  }

  private place(s: Scheduled): void {
    const slot = Math.max(this.nextSlot, Math.floor(s.due / SLOT_MS));
    const list = this.slots.get(slot);
    if (list) list.push(s);
    else this.slots.set(slot, [s]);
  }

  private tick(): void {
    const now = Math.floor(performance.now() / SLOT_MS);
    for (; this.nextSlot <= now; this.nextSlot++) {
      const due = this.slots.get(this.nextSlot);
      if (!due) continue;
      this.slots.delete(this.nextSlot);
      for (const s of due) this.beat(s);
    }
  }

  private beat(s: Scheduled): void {
    if (this.stopped) return;
    const dueAt = s.due;
    s.due += this.intervalMs + (Math.random() * 2 - 1) * this.jitterMs;
    this.place(s);
    const body = JSON.stringify({
      pod_ids: s.held,
      ...(s.version === undefined ? {} : { pods_version: s.version }),
      health_status: 'healthy',
      components: WORKER_COMPONENTS,
    });
    void this.client
      .send(
        {
          method: 'POST',
          path: `/nodes/${s.node.id}/heartbeat`,
          body,
          headers: { authorization: `Bearer ${s.node.token}` },
          keepBody: true,
        },
        dueAt,
      )
      .then((a) => {
        if (this.stopped) return;
        const w = this.current;
        w.sent++;
        const late = a.sentAt - a.dueAt;
        if (late > LATE_MS) w.late++;
        w.max_late_ms = Math.max(w.max_late_ms, late);
        if (a.status === 0) return void w.errors++;
        if (a.status !== 200) return void w.not_200++;
        w.ok++;
        w.latencies.push(a.doneAt - a.sentAt);
        if (a.doneAt - a.sentAt > LATE_MS) w.slow++;
        if (s.lastOk !== null) s.maxGapMs = Math.max(s.maxGapMs, a.doneAt - s.lastOk);
        s.lastOk = a.doneAt;
        try {
          const answer = JSON.parse(a.body) as { pod_ids?: number[]; pods_version?: number };
          if (answer.pod_ids) s.held = answer.pod_ids;
          if (answer.pods_version !== undefined) s.version = answer.pods_version;
        } catch {
          // an answer without pods: the node keeps what it holds
        }
      });
  }
}
