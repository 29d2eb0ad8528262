/**
 * What the node's simulated containers printed and the API has not yet got: heartbeats
 * carry it, and a line is forgotten only once the beat that carried it is answered.
 */
import { LogLine, MAX_LOG_LINES } from './wire';

export class ContainerOutput {
  private lines: LogLine[] = [];
  /** the lines the beat under way carries: dropped once it is answered */
  private inFlight = 0;

  get pending(): number {
    return this.lines.length;
  }

  print(line: LogLine): void {
    this.lines.push(line);
    // a full pipe drops the oldest lines not yet sent
    if (this.lines.length > MAX_LOG_LINES * 4) {
      const drop = this.lines.length - MAX_LOG_LINES * 4;
      this.lines.splice(0, drop);
      this.inFlight = Math.max(0, this.inFlight - drop);
    }
  }

  /** The oldest lines, as many as one beat carries; they stay until delivered(). */
  take(): LogLine[] {
    this.inFlight = Math.min(this.lines.length, MAX_LOG_LINES);
    return this.lines.slice(0, this.inFlight);
  }

  /** The beat that carried the lines last taken was answered. */
  delivered(): void {
    this.lines.splice(0, this.inFlight);
    this.inFlight = 0;
  }
}
