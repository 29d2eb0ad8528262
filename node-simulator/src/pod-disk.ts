/**
 * The pods' folders under `{dataDir}/pods/`: written when a pod comes, removed when it
 * goes, the folders an earlier run left swept once. Operations on one folder run in
 * order; `ok` says whether the node's disk last worked, which its heartbeat reports.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from './logger';
import { isSafeFileName, materialisePod, removePodDir } from './pod-files';
import { describeError } from './runtime-deps';
import { PodAssignment } from './wire';

/**
 * A pod's folder under the data dir: its id and name, so two pods of one name (in two
 * namespaces) on one node never share a folder.
 */
export function podDirName(pod: { id: number; name: string }): string {
  return `${pod.id}-${pod.name}`;
}

/** What a write tells its pod: whether it is still wanted, and how the write went. */
export interface PodWriteOutcome {
  /** false once the pod was dropped or replaced: its write is skipped or ignored */
  wanted(): boolean;
  written(): void;
  failed(reason: string): void;
}

export class PodDisk {
  /** a node that cannot write its pods' files should not be given more */
  ok = true;
  /** per pod folder, the tail of its operations: they run in order */
  private readonly ops = new Map<string, Promise<void>>();
  /** operations under way, for settled() */
  private readonly work = new Set<Promise<unknown>>();
  private swept = false;

  constructor(
    readonly podsDir: string,
    private readonly nodeName: string,
    private readonly logger: Logger,
  ) {}

  /** Creates the pods' folder; a failure is logged and makes the disk not ok. */
  async prepare(): Promise<void> {
    try {
      await mkdir(this.podsDir, { recursive: true });
    } catch (error) {
      this.ok = false;
      this.logger.error(`${this.nodeName}: cannot create ${this.podsDir}: ${describeError(error)}`);
    }
  }

  /** Writes a pod's folder (its names were checked), after the earlier operations on it. */
  write(pod: { id: number; name: string }, spec: PodAssignment, outcome: PodWriteOutcome): void {
    this.onDisk(podDirName(pod), async () => {
      if (!outcome.wanted()) return; // dropped before its turn
      try {
        await materialisePod(join(this.podsDir, podDirName(pod)), spec);
        this.ok = true;
      } catch (error) {
        this.ok = false;
        if (outcome.wanted()) outcome.failed(`cannot write its files: ${describeError(error)}`);
        return;
      }
      if (outcome.wanted()) outcome.written();
    });
  }

  /** Removes a dropped pod's folder; a name that is no file name never had one. */
  remove(pod: { id: number; name: string }): void {
    if (isSafeFileName(pod.name))
      this.onDisk(podDirName(pod), () => removePodDir(join(this.podsDir, podDirName(pod))));
  }

  /** Once: removes the folders of pods this node no longer runs (left from an earlier run). */
  sweepOnce(held: () => Iterable<{ id: number; name: string }>): void {
    if (this.swept) return;
    this.swept = true;
    this.track(
      readdir(this.podsDir).then(
        (entries) => {
          const known = new Set<string>();
          for (const pod of held()) known.add(podDirName(pod));
          for (const entry of entries) {
            if (!known.has(entry))
              this.onDisk(entry, () => removePodDir(join(this.podsDir, entry)));
          }
        },
        () => undefined, // no folder, nothing to sweep
      ),
    );
  }

  /** Resolves when the pods' folders are written or removed as last asked. */
  async settled(): Promise<void> {
    while (this.work.size > 0) await Promise.allSettled([...this.work]);
  }

  /** Runs `op` after the earlier operations on the same pod folder. */
  private onDisk(podName: string, op: () => Promise<void>): void {
    const previous = this.ops.get(podName) ?? Promise.resolve();
    const next = previous.then(op).catch((error: unknown) => {
      this.ok = false;
      this.logger.error(
        `${this.nodeName}: disk operation on pod ${podName} failed: ${describeError(error)}`,
      );
    });
    this.ops.set(podName, next);
    this.track(
      next.then(() => {
        if (this.ops.get(podName) === next) this.ops.delete(podName);
      }),
    );
  }

  private track(work: Promise<unknown>): void {
    this.work.add(work);
    const remove = (): void => {
      this.work.delete(work);
    };
    work.then(remove, remove);
  }
}
