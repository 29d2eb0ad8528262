import { Injectable } from '@nestjs/common';

/**
 * The agents' open assignment watches, by node: each waits until its node's pods change
 * here (`wake`) or its time is up. Once the server closes, every watch is woken and no
 * new one waits.
 */
@Injectable()
export class AssignmentWaiters {
  private readonly waiters = new Map<number, Set<(woken: boolean) => void>>();
  private isClosing = false;

  get closing(): boolean {
    return this.isClosing;
  }

  /** Resolves true when the node's pods changed, false when `timeoutMs` passed first. */
  waitForChange(nodeId: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let set = this.waiters.get(nodeId);
      if (!set) this.waiters.set(nodeId, (set = new Set()));
      const done = (woken: boolean) => {
        clearTimeout(timer);
        set!.delete(done);
        if (set!.size === 0) this.waiters.delete(nodeId);
        resolve(woken);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(done);
    });
  }

  wake(nodeId: number): void {
    for (const done of [...(this.waiters.get(nodeId) ?? [])]) done(true);
  }

  /** The server is on its way out: every open watch ends now. */
  close(): void {
    this.isClosing = true;
    for (const nodeId of [...this.waiters.keys()]) this.wake(nodeId);
  }
}
