/**
 * One progress line on stderr: overall bar (steps weighted by their expected seconds),
 * the step and its own detail. On a terminal the line is redrawn in place; otherwise a
 * line is printed as each step starts, so logs stay readable.
 */
export interface Step {
  key: string;
  label: string;
  /** expected seconds, for the overall bar */
  weight: number;
}

const BAR = 24;

export class Progress {
  private readonly tty: boolean;
  private current = -1;
  private fraction = 0;
  private detail = '';
  private lastDraw = 0;
  private drawn = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly steps: Step[],
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
  }

  start(key: string, detail = ''): void {
    const i = this.steps.findIndex((s) => s.key === key);
    if (i < 0) throw new Error(`unknown progress step ${key}`);
    this.current = i;
    this.fraction = 0;
    this.detail = detail;
    if (this.tty) this.draw(true);
    else
      this.stream.write(`${this.prefix()} ${this.steps[i].label}${detail ? ` · ${detail}` : ''}\n`);
  }

  /** Progress within the current step, 0…1, and what it is doing. */
  update(fraction: number, detail?: string): void {
    this.fraction = Math.min(1, Math.max(0, fraction));
    if (detail !== undefined) this.detail = detail;
    if (this.tty) this.draw(false);
  }

  /** A message above the bar. */
  log(line: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${line}\n`);
    if (this.tty && this.current >= 0) this.draw(true);
  }

  finish(): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
    this.current = -1;
  }

  private overall(): number {
    const total = this.steps.reduce((s, x) => s + x.weight, 0) || 1;
    let done = 0;
    for (let i = 0; i < this.current; i++) done += this.steps[i].weight;
    if (this.current >= 0) done += this.steps[this.current].weight * this.fraction;
    return done / total;
  }

  private prefix(): string {
    const pct = Math.floor(this.overall() * 100);
    const filled = Math.round((pct / 100) * BAR);
    const elapsed = Math.round((Date.now() - this.startedAt) / 1000);
    return `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${String(pct).padStart(3)}% ${elapsed}s ${this.current + 1}/${this.steps.length}`;
  }

  private draw(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const step = this.steps[this.current];
    let line = `${this.prefix()} ${step.label}${this.detail ? ` · ${this.detail}` : ''}`;
    const width = this.stream.columns || 120;
    if (line.length > width - 1) line = line.slice(0, width - 2) + '…';
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}
