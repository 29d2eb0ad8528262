import { Injectable } from '@nestjs/common';

export interface Sample {
  at: string;
  cpu_usage: number;
  latency_ms: number;
}

const KEEP = 120;

/**
 * In-memory state of the heartbeat path: the recent beats of each node (for graphs,
 * so a beat costs no extra row) and the token hashes already read from the database.
 */
@Injectable()
export class HeartbeatLog {
  private readonly recent = new Map<number, Sample[]>();
  private readonly tokens = new Map<number, string>();
  private readonly lastReports = new Map<number, string>();

  add(nodeId: number, sample: Sample): void {
    let list = this.recent.get(nodeId);
    if (!list) this.recent.set(nodeId, (list = []));
    list.push(sample);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  samples(nodeId: number): Sample[] {
    return [...(this.recent.get(nodeId) ?? [])];
  }

  cachedToken(nodeId: number): string | undefined {
    return this.tokens.get(nodeId);
  }

  cacheToken(nodeId: number, hash: string): void {
    this.tokens.set(nodeId, hash);
  }

  forgetToken(nodeId: number): void {
    this.tokens.delete(nodeId);
  }

  /** Whether a pod's reported containers differ from the last report (to skip needless writes). */
  reportChanged(podId: number, fingerprint: string): boolean {
    if (this.lastReports.get(podId) === fingerprint) return false;
    this.lastReports.set(podId, fingerprint);
    return true;
  }

  forget(nodeId: number): void {
    this.recent.delete(nodeId);
    this.tokens.delete(nodeId);
  }
}
