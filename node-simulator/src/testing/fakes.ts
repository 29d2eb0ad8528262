/**
 * Test doubles for the agent's surroundings: a clock whose time moves only when told,
 * and an in-process API that records heartbeats and answers as scripted.
 */
import { Logger } from '../logger';
import { Clock, FetchLike, HttpRequest, TimerHandle } from '../runtime-deps';
import { HeartbeatRequest, HeartbeatResponse, PodAssignment } from '../wire';

export class FakeClock implements Clock {
  private time = 0;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, firing due timers in order; `settle` runs after each. */
  async advance(ms: number, settle: () => Promise<void>): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      await settle();
      let nextId: number | undefined;
      let nextAt = Infinity;
      for (const [id, timer] of this.timers) {
        if (timer.at <= target && timer.at < nextAt) {
          nextId = id;
          nextAt = timer.at;
        }
      }
      if (nextId === undefined) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.time = timer.at;
      timer.callback();
    }
    this.time = target;
    await settle();
  }
}

/** Lets promise chains and real disk operations of the given agents run out. */
export async function settleAll(...agents: { settled(): Promise<void> }[]): Promise<void> {
  // A few rounds: an answer starts disk work, whose end may start a beat, and so on.
  for (let round = 0; round < 5; round++) {
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(agents.map((agent) => agent.settled()));
  }
}

export type Reply =
  { status: number; body?: unknown } | { raw: string } | { refuse: true } | { hang: true };

export interface RecordedBeat {
  at: number;
  url: string;
  authorization: string | undefined;
  body: HeartbeatRequest;
}

export class FakeApi {
  readonly beats: RecordedBeat[] = [];
  readonly registrations: { name: string; cpu_cores: number; authorization?: string }[] = [];
  pods: PodAssignment[] = [];
  /** POST /nodes: names answered 409 */
  existingNames = new Set<string>();
  /** statuses for the next registrations, in order; then 201, or 409 for existing names */
  readonly registrationStatuses: number[] = [];
  private readonly replies: Reply[] = [];

  constructor(private readonly clock: Clock) {}

  /** Replies for the next heartbeats, in order; after them the API answers normally. */
  reply(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  /** pods_version in heartbeat answers; a watch waits while the agent's equals it */
  podsVersion = 1;
  /** open watches (POST /nodes/:id/watch), oldest first */
  readonly watches: { body: { pods_version: number }; answer: (pods: PodAssignment[]) => void }[] =
    [];

  /** Changes the pod set and answers every open watch with it, as the API does. */
  push(pods: PodAssignment[]): void {
    this.pods = pods;
    this.podsVersion++;
    for (const watch of this.watches.splice(0)) watch.answer(pods);
  }

  /** the node operations other than beats and watches: token, cordon, stop, delete */
  readonly operations: { method: string; url: string; contentType?: string; body: string }[] = [];
  /** existing names whose token cannot be re-issued (kubesim launches their agents): 409 */
  managedNames = new Set<string>();

  readonly fetch: FetchLike = async (url: string, init: HttpRequest) => {
    if (url.endsWith('/nodes')) return this.register(init);
    if (/\/(token|cordon|stop)$/.test(url) || init.method === 'DELETE') {
      this.operations.push({
        method: init.method,
        url,
        contentType: init.headers['content-type'],
        body: init.body,
      });
      const name = decodeURIComponent(/\/nodes\/([^/]+)\/token$/.exec(url)?.[1] ?? '');
      if (name && this.managedNames.has(name)) {
        return { status: 409, text: async () => '{"message":"its agent is launched by kubesim"}' };
      }
      const body = name
        ? {
            id: 100 + this.operations.length,
            name,
            heartbeat_token: `new-${name}`,
            cpu_cores_total: 3,
          }
        : {};
      return { status: 200, text: async () => JSON.stringify(body) };
    }
    if (url.endsWith('/watch')) return this.watch(init);
    this.beats.push({
      at: this.clock.now(),
      url,
      authorization: init.headers.authorization,
      body: JSON.parse(init.body) as HeartbeatRequest,
    });
    const reply = this.replies.shift() ?? { status: 200, body: this.answer() };
    if ('refuse' in reply) {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      });
    }
    if ('hang' in reply) {
      return new Promise((_, reject) =>
        init.signal?.addEventListener('abort', () =>
          reject(new Error('This operation was aborted')),
        ),
      );
    }
    const text = 'raw' in reply ? reply.raw : JSON.stringify(reply.body ?? {});
    return { status: 'raw' in reply ? 200 : reply.status, text: async () => text };
  };

  answer(overrides: Partial<HeartbeatResponse> = {}): HeartbeatResponse {
    return {
      node_id: 1,
      node_name: 'node-1',
      health_status: 'healthy',
      terminate: false,
      heartbeat_interval_ms: 1000,
      pods: this.pods,
      pods_version: this.podsVersion,
      ...overrides,
    };
  }

  private watch(init: HttpRequest): Promise<{ status: number; text: () => Promise<string> }> {
    const body = JSON.parse(init.body) as { pods_version: number };
    if (body.pods_version !== this.podsVersion) {
      const text = JSON.stringify({
        pods_version: this.podsVersion,
        changed: true,
        pods: this.pods,
      });
      return Promise.resolve({ status: 200, text: async () => text });
    }
    return new Promise((resolve, reject) => {
      init.signal?.addEventListener('abort', () => reject(new Error('This operation was aborted')));
      this.watches.push({
        body,
        answer: (pods) => {
          const text = JSON.stringify({ pods_version: this.podsVersion, changed: true, pods });
          resolve({ status: 200, text: async () => text });
        },
      });
    });
  }

  private async register(init: HttpRequest) {
    const body = JSON.parse(init.body) as { name: string; cpu_cores: number };
    this.registrations.push({ ...body, authorization: init.headers.authorization });
    const status =
      this.registrationStatuses.shift() ?? (this.existingNames.has(body.name) ? 409 : 201);
    const text =
      status === 201
        ? JSON.stringify({
            id: this.registrations.length,
            name: body.name,
            heartbeat_token: `token-${body.name}`,
          })
        : JSON.stringify({ statusCode: status, message: 'refused' });
    return { status, text: async () => text };
  }
}

export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}

export function podAssignment(id: number, overrides: Partial<PodAssignment> = {}): PodAssignment {
  return {
    id,
    name: `pod-${id}`,
    ip: null,
    cpu_cores_req: 0.5,
    memory_mb_req: 64,
    restart_count: 0,
    containers: [
      { name: 'app', image: 'nginx', cpu_req: 0.3, memory_req: 32, command: [], args: [] },
      { name: 'sidecar', image: 'envoy', cpu_req: 0.2, memory_req: 32, command: [], args: [] },
    ],
    volumes: [],
    config: [],
    ...overrides,
  };
}
