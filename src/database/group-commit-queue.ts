export interface GroupCommitOptions<T, R> {
  /** Writes a batch in one statement; resolves with one outcome per item, in their order. */
  write: (items: T[]) => Promise<R[]>;
  /** items in one batch at most */
  maxBatch: number;
  /** batches written at once (default 1) */
  inFlight?: number;
  /**
   * Items of one key never share a batch: a later one waits for the next, so it meets the
   * first one's row committed (a second beat of a node, a second registration of a name).
   */
  key?: (item: T) => string | number;
  /**
   * Whether a batch that failed as a whole is written again item by item, so only the item
   * that broke it fails (default: always; not when the database is unreachable, say).
   */
  retryAlone?: (err: unknown) => boolean;
}

interface Waiting<T, R> {
  item: T;
  resolve: (outcome: R) => void;
  reject: (err: unknown) => void;
}

/**
 * A group commit: writes that arrive while a batch is being written wait and go together
 * in the next one (one statement, one commit for the lot). At low load a batch holds one
 * item, so nothing waits; under load the batches grow with the queue. Each caller's
 * promise settles only once its batch has committed (or failed).
 */
export class GroupCommitQueue<T, R> {
  private waiting: Array<Waiting<T, R>> = [];
  private writing = 0;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  /** Queues one write; resolves with its outcome once its batch is committed. */
  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** writes queued and not yet in a batch */
  get queued(): number {
    return this.waiting.length;
  }

  private pump(): void {
    while (this.writing < (this.options.inFlight ?? 1) && this.waiting.length > 0) {
      const batch = this.take();
      this.writing++;
      void this.run(batch).finally(() => {
        this.writing--;
        this.pump();
      });
    }
  }

  /** The next batch, oldest first; an item whose key is in it already stays for a later one. */
  private take(): Array<Waiting<T, R>> {
    const { key, maxBatch } = this.options;
    if (!key) return this.waiting.splice(0, maxBatch);
    const keys = new Set<string | number>();
    const batch: Array<Waiting<T, R>> = [];
    const rest: Array<Waiting<T, R>> = [];
    for (const w of this.waiting) {
      const k = key(w.item);
      if (batch.length < maxBatch && !keys.has(k)) {
        keys.add(k);
        batch.push(w);
      } else rest.push(w);
    }
    this.waiting = rest;
    return batch;
  }

  private async run(batch: Array<Waiting<T, R>>): Promise<void> {
    let outcomes: R[];
    try {
      outcomes = await this.options.write(batch.map((w) => w.item));
    } catch (err) {
      const alone = this.options.retryAlone ?? (() => true);
      if (batch.length === 1 || !alone(err)) {
        for (const w of batch) w.reject(err);
        return;
      }
      // one item broke the statement: each goes again on its own, so only that one fails
      await Promise.all(
        batch.map((w) =>
          this.options.write([w.item]).then(
            ([outcome]) => w.resolve(outcome),
            (e) => w.reject(e),
          ),
        ),
      );
      return;
    }
    batch.forEach((w, i) => w.resolve(outcomes[i]));
  }
}
