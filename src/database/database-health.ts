import { Injectable } from '@nestjs/common';

/**
 * Whether the database last answered, as this process saw it. Paths that could answer
 * from memory (a routine heartbeat) fall back to the database, and so to a 503, as soon
 * as any request met an unreachable database, until a write succeeds again.
 */
@Injectable()
export class DatabaseHealth {
  up = true;

  markDown(): void {
    this.up = false;
  }

  markUp(): void {
    this.up = true;
  }
}
