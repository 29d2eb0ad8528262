/** One usage sample: when (ms since the epoch), cores, MiB. */
export interface UsagePoint {
  timeMs: number;
  cpu: number;
  memory: number;
}

const FIRST_ROOM = 8;
const MAX_OFFSET_MS = 0xffff_ffff;

/**
 * The last `capacity` usage samples of a pod or a node, oldest dropped first. Typed arrays
 * (12 bytes a sample: ms after the ring's first sample, cores, MiB), grown by doubling up to the
 * capacity, so a short-lived pod costs little and 150,000 pods hold about 100 MiB at most.
 */
export class UsageRing {
  /** ms after `baseMs` (a Uint32 spans 49 days; older samples than that are rebased) */
  private times: Uint32Array;
  private baseMs = NaN;
  private cpus: Float32Array;
  private memories: Float32Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('a usage ring holds at least one sample');
    const room = Math.min(FIRST_ROOM, capacity);
    this.times = new Uint32Array(room);
    this.cpus = new Float32Array(room);
    this.memories = new Float32Array(room);
  }

  get size(): number {
    return this.count;
  }

  push(timeMs: number, cpu: number, memory: number): void {
    if (this.count === this.times.length && this.times.length < this.capacity) this.grow();
    if (Number.isNaN(this.baseMs)) this.baseMs = timeMs;
    if (timeMs - this.baseMs > MAX_OFFSET_MS) this.rebase(timeMs);
    const room = this.times.length;
    const at = (this.start + this.count) % room;
    this.times[at] = Math.max(0, Math.round(timeMs - this.baseMs));
    this.cpus[at] = cpu;
    this.memories[at] = memory;
    if (this.count < room) this.count++;
    else this.start = (this.start + 1) % room;
  }

  /** The newest sample, or undefined when none. */
  latest(): UsagePoint | undefined {
    return this.count ? this.point(this.count - 1) : undefined;
  }

  /** The last `limit` samples (all by default), oldest first. */
  points(limit = this.count): UsagePoint[] {
    const n = Math.max(0, Math.min(limit, this.count));
    const out: UsagePoint[] = [];
    for (let i = this.count - n; i < this.count; i++) out.push(this.point(i));
    return out;
  }

  /** the i-th sample, 0 the oldest held; values rounded back from float32 */
  private point(i: number): UsagePoint {
    const at = (this.start + i) % this.times.length;
    return {
      timeMs: this.baseMs + this.times[at],
      cpu: Math.round(this.cpus[at] * 1000) / 1000,
      memory: Math.round(this.memories[at] * 1000) / 1000,
    };
  }

  private grow(): void {
    const room = Math.min(this.capacity, this.times.length * 2);
    const times = new Uint32Array(room);
    const cpus = new Float32Array(room);
    const memories = new Float32Array(room);
    for (let i = 0; i < this.count; i++) {
      const from = (this.start + i) % this.times.length;
      times[i] = this.times[from];
      cpus[i] = this.cpus[from];
      memories[i] = this.memories[from];
    }
    this.times = times;
    this.cpus = cpus;
    this.memories = memories;
    this.start = 0;
  }

  /** Moves the base to half the span before `timeMs`; samples older than that read as it. */
  private rebase(timeMs: number): void {
    const base = timeMs - Math.floor(MAX_OFFSET_MS / 2);
    const shift = base - this.baseMs;
    for (let i = 0; i < this.times.length; i++) this.times[i] = Math.max(0, this.times[i] - shift);
    this.baseMs = base;
  }
}
