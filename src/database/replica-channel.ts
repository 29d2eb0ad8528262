import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DATABASE_URL } from './database-url';

/** The PostgreSQL channel every replica of one cluster listens on. */
export const REPLICA_CHANNEL = 'kubesim_replicas';
/** PostgreSQL refuses a NOTIFY payload of 8,000 bytes or more; a batch stays under this. */
export const MAX_PAYLOAD = 7_500;
/** How often a replica says it is there, and how long a silent one still counts as a peer. */
export const PRESENCE_EVERY_MS = 5_000;
export const PEER_LAPSES_MS = 6 * PRESENCE_EVERY_MS;
const PRESENCE = new Set(['here', 'bye']);
const RECONNECT_MS = [250, 1_000, 2_000, 5_000];
/** a node's beats and use reach the other replicas at most this often */
export const SHARE_GAP_MS = 1_000;

/** What one replica tells the others: a kind and a small JSON value. */
export interface ReplicaMessage {
  kind: string;
  data?: unknown;
}

interface Batch {
  from: string;
  messages: ReplicaMessage[];
}

/**
 * What one API replica (a worker of `KUBESIM_WORKERS`, or a server of its own on the same
 * database) tells the others about what it keeps in memory: a node's pods changed, which
 * nodes may take pods changed, a heartbeat token was replaced, an event was recorded.
 * PostgreSQL carries it (`LISTEN` / `NOTIFY` on a connection of its own), so nothing but the
 * database is shared. Messages sent in one turn of the event loop travel as one batch.
 *
 * The channel is best effort between replicas and says so: after its connection broke it
 * tells its `onResync` listeners, which drop what they keep, since what others said in the
 * meantime is lost. A replica alone on the database sends nothing but its presence: one that
 * starts announces itself (and is answered at once) before it serves anyone.
 */
@Injectable()
export class ReplicaChannel implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ReplicaChannel.name);
  /** this replica, so it can skip its own batches */
  readonly id = randomUUID();
  private client: Client | null = null;
  private readonly handlers = new Map<string, Array<(data: unknown) => void>>();
  private readonly resyncs: Array<() => void> = [];
  private readonly peers = new Map<string, number>();
  private outbox: ReplicaMessage[] = [];
  private flushing: Promise<void> | null = null;
  private presence?: NodeJS.Timeout;
  private reconnect?: NodeJS.Timeout;
  private attempts = 0;
  private closed = false;
  private everConnected = false;

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
    this.presence = setInterval(() => this.send({ kind: 'here' }), PRESENCE_EVERY_MS);
    this.presence.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.presence);
    clearTimeout(this.reconnect);
    await this.flushing?.catch(() => undefined);
    await this.send({ kind: 'bye' }, true);
    const client = this.client;
    this.client = null;
    client?.removeAllListeners('error').on('error', () => undefined);
    await client?.end().catch(() => undefined);
  }

  /** Calls `handler` with the data of each message of this kind another replica sends. */
  on<T>(kind: string, handler: (data: T) => void): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler as (data: unknown) => void);
    this.handlers.set(kind, list);
  }

  /** Called after the channel was cut off for a while: what was kept may be stale. */
  onResync(listener: () => void): void {
    this.resyncs.push(listener);
  }

  /** Whether another replica was heard from lately (so news only a watcher wants is worth sending). */
  get hasPeers(): boolean {
    const now = Date.now();
    for (const [id, at] of this.peers) {
      if (now - at <= PEER_LAPSES_MS) return true;
      this.peers.delete(id);
    }
    return false;
  }

  private readonly lastShared = new Map<string, number>();

  /**
   * Whether news only watchers want (a node's beat, its use) is worth sending now: another
   * replica is there, and this key was not shared in the last `gapMs`. A node beating every
   * 5 s shares each beat; one hammered by a benchmark, one a second.
   */
  mayShare(key: string, gapMs = SHARE_GAP_MS, now = Date.now()): boolean {
    if (!this.hasPeers) return false;
    const last = this.lastShared.get(key);
    if (last !== undefined && now - last < gapMs) return false;
    if (this.lastShared.size > 100_000) this.lastShared.clear();
    this.lastShared.set(key, now);
    return true;
  }

  /** Queues a message for the other replicas; it leaves with the others of this turn. */
  send(message: ReplicaMessage, now = false): Promise<void> {
    if (!this.client) return Promise.resolve();
    // alone on the database nobody listens: a replica that starts says so before it serves
    if (!PRESENCE.has(message.kind) && !this.hasPeers) return Promise.resolve();
    // a message without data says the same thing twice in one batch
    if (
      message.data === undefined &&
      this.outbox.some((m) => m.kind === message.kind && m.data === undefined)
    )
      return now ? this.flush() : Promise.resolve();
    this.outbox.push(message);
    if (now) return this.flush();
    if (this.outbox.length === 1) setImmediate(() => void this.flush());
    return Promise.resolve();
  }

  private async flush(): Promise<void> {
    // one flush at a time keeps batches in order
    while (this.flushing) await this.flushing.catch(() => undefined);
    const messages = this.outbox;
    this.outbox = [];
    if (!messages.length) return;
    this.flushing = this.notify(messages).finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async notify(messages: ReplicaMessage[]): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      for (const payload of batches(this.id, messages))
        await client.query('SELECT pg_notify($1, $2)', [REPLICA_CHANNEL, payload]);
    } catch (err) {
      // a broken connection reconnects by itself and then resynchronises everyone
      this.logger.debug(`could not notify the other replicas: ${(err as Error).message}`);
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 3000 });
    client.on('error', (err) => this.lost(client, err.message));
    client.on('end', () => this.lost(client, 'its connection ended'));
    client.on('notification', (n) => {
      if (n.channel === REPLICA_CHANNEL && n.payload) this.receive(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REPLICA_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.lost(null, (err as Error).message);
      return;
    }
    this.client = client;
    this.attempts = 0;
    if (this.everConnected) {
      this.logger.log('listening to the other replicas again');
      for (const resync of this.resyncs) resync();
    }
    this.everConnected = true;
    void this.send({ kind: 'here' });
  }

  private lost(client: Client | null, why: string): void {
    if (client && client !== this.client) return;
    if (client) {
      this.client = null;
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
    }
    if (this.closed || this.reconnect) return;
    if (this.attempts === 0) this.logger.warn(`not hearing the other replicas: ${why}`);
    const delay = RECONNECT_MS[Math.min(this.attempts++, RECONNECT_MS.length - 1)];
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      void this.connect();
    }, delay);
    this.reconnect.unref();
  }

  private receive(payload: string): void {
    let batch: Batch;
    try {
      batch = JSON.parse(payload);
    } catch {
      return;
    }
    if (!batch || batch.from === this.id || !Array.isArray(batch.messages)) return;
    // a replica just started: it hears of this one at once, not at the next presence
    if (!this.peers.has(batch.from)) void this.send({ kind: 'here' });
    this.peers.set(batch.from, Date.now());
    for (const message of batch.messages) {
      if (message.kind === 'bye') this.peers.delete(batch.from);
      for (const handler of this.handlers.get(message.kind) ?? []) {
        try {
          handler(message.data);
        } catch (err) {
          this.logger.warn(`a ${message.kind} message could not be applied: ${String(err)}`);
        }
      }
    }
  }
}

/** Messages as NOTIFY payloads, each under PostgreSQL's limit; a message too big alone is dropped. */
export function batches(from: string, messages: ReplicaMessage[]): string[] {
  const head = `{"from":${JSON.stringify(from)},"messages":[`;
  const out: string[] = [];
  let parts: string[] = [];
  let size = head.length + 2;
  for (const message of messages) {
    const part = JSON.stringify(message);
    const bytes = Buffer.byteLength(part);
    if (head.length + bytes + 2 > MAX_PAYLOAD) continue;
    if (size + bytes + 1 > MAX_PAYLOAD) {
      out.push(`${head}${parts.join(',')}]}`);
      parts = [];
      size = head.length + 2;
    }
    parts.push(part);
    size += bytes + 1;
  }
  if (parts.length) out.push(`${head}${parts.join(',')}]}`);
  return out;
}
