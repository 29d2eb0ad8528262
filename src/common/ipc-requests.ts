/** A message that answers the request of the same `id`. */
export interface IpcReply {
  id: number;
}

/**
 * Requests a worker process sends over node:cluster's IPC channel, each settled by the
 * one reply that carries its id, or failed when none came within the time allowed. The
 * owner passes every message it receives to `receive`; replies that match nothing (a late
 * one, another owner's) are ignored.
 */
export class IpcRequests<Reply extends IpcReply> {
  private next = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (reply: Reply) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(
    private readonly send: (message: unknown) => void,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends the message `build` makes for a fresh id. Rejects with `late()` when no reply
   * came in time, and with what sending threw when the channel is gone.
   */
  ask(build: (id: number) => unknown, late: () => Error): Promise<Reply> {
    const id = this.next++;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(late());
      }, this.timeoutMs);
      this.waiting.set(id, { resolve, reject, timer });
      try {
        this.send(build(id));
      } catch (err) {
        clearTimeout(timer);
        this.waiting.delete(id);
        reject(err as Error);
      }
    });
  }

  /** Settles the request this reply answers. */
  receive(reply: Reply): void {
    const request = this.waiting.get(reply.id);
    if (!request) return;
    this.waiting.delete(reply.id);
    clearTimeout(request.timer);
    request.resolve(reply);
  }

  /** Fails every request still waiting (the process is stopping). */
  failAll(err: Error): void {
    for (const [id, request] of this.waiting) {
      clearTimeout(request.timer);
      this.waiting.delete(id);
      request.reject(err);
    }
  }
}
