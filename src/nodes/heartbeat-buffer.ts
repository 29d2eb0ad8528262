import { Injectable } from '@nestjs/common';

/** The last routine heartbeat of each node, waiting to be written. */
export interface PendingBeat {
  at: Date;
  cpuUsedM: number;
  beats: number;
}

/**
 * Routine heartbeats (a healthy node reporting nothing new) are kept here and written
 * to the database in one statement per tick, instead of one transaction each, as
 * Kubernetes' own lease renewals are coalesced. `HeartbeatService` records into it,
 * `HeartbeatFlusher` writes it out.
 */
@Injectable()
export class HeartbeatBuffer {
  private pending = new Map<number, PendingBeat>();

  record(nodeId: number, cpuUsedM: number, at: Date): void {
    const beat = this.pending.get(nodeId);
    if (beat) {
      beat.at = at;
      beat.cpuUsedM = cpuUsedM;
      beat.beats++;
    } else {
      this.pending.set(nodeId, { at, cpuUsedM, beats: 1 });
    }
  }

  get size(): number {
    return this.pending.size;
  }

  /** Hands over what is pending; give it back with `restore` if writing it failed. */
  take(): Map<number, PendingBeat> {
    const taken = this.pending;
    this.pending = new Map();
    return taken;
  }

  restore(taken: Map<number, PendingBeat>): void {
    for (const [nodeId, beat] of taken) {
      const newer = this.pending.get(nodeId);
      if (newer) newer.beats += beat.beats;
      else this.pending.set(nodeId, beat);
    }
  }

  forget(nodeId: number): void {
    this.pending.delete(nodeId);
  }
}
