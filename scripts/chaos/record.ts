/** What the chaos run did and saw, kept for the invariants and the report at the end. */

export interface Tally {
  done: number;
  ok: number;
  failed: number;
}

export class RunRecord {
  /** pods answered 201 and not deleted since: name → id */
  readonly acknowledged = new Map<string, number>();
  /** requests whose outcome we could not see (the API died under them): settled at the end */
  readonly uncertainCreates = new Set<string>();
  readonly uncertainDeletes = new Set<string>();
  /** acknowledged pods the API answered 404 for */
  readonly vanished: string[] = [];
  readonly stoppedByChaos = new Set<string>();
  readonly nodeNames = new Set<string>();
  /** actions that threw */
  readonly problems: string[] = [];
  /** restarts after SIGKILL that kubesim refused (its embedded PostgreSQL still running) */
  readonly refusedRestarts: string[] = [];
  /** SIGTERMs that did not end in exit 0 within the grace time */
  readonly uncleanStops: string[] = [];
  /** 5xx answers other than 503: "METHOD /path/:x status" → how many */
  readonly serverErrors = new Map<string, number>();
  /** per fault or action: how often it was done, and how it went */
  readonly counts = new Map<string, Tally>();

  count(action: string, ok: boolean): void {
    const c = this.counts.get(action) ?? { done: 0, ok: 0, failed: 0 };
    c.done++;
    if (ok) c.ok++;
    else c.failed++;
    this.counts.set(action, c);
  }
}
