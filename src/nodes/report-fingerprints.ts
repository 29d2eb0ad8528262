import { Injectable } from '@nestjs/common';

/**
 * Per node, per pod, the container statuses last written (as one comparable string), so a
 * report that says nothing new costs no write. A pod that moves starts afresh.
 */
@Injectable()
export class ReportFingerprints {
  private readonly byNode = new Map<number, Map<number, string>>();

  /** Whether a pod's report differs from its node's last one; if so, it is the last one now. */
  changed(nodeId: number, podId: number, fingerprint: string): boolean {
    let reports = this.byNode.get(nodeId);
    if (!reports) this.byNode.set(nodeId, (reports = new Map()));
    if (reports.get(podId) === fingerprint) return false;
    reports.set(podId, fingerprint);
    return true;
  }

  /** Whether a report would change what was recorded last, without recording it. */
  wouldChange(nodeId: number, podId: number, fingerprint: string): boolean {
    return this.byNode.get(nodeId)?.get(podId) !== fingerprint;
  }

  /**
   * Keeps only the node's fingerprints of these pods: one for a pod neither on the node nor
   * in its report would never be compared again (a pod that comes back starts afresh).
   */
  keepOnly(nodeId: number, podIds: Iterable<number>): void {
    const reports = this.byNode.get(nodeId);
    if (!reports) return;
    const kept = new Set(podIds);
    for (const podId of reports.keys()) if (!kept.has(podId)) reports.delete(podId);
    if (!reports.size) this.byNode.delete(nodeId);
  }

  /** Fingerprints held, all nodes together. */
  get size(): number {
    let count = 0;
    for (const reports of this.byNode.values()) count += reports.size;
    return count;
  }

  drop(nodeId: number): void {
    this.byNode.delete(nodeId);
  }
}
