import { Injectable } from '@nestjs/common';

/**
 * The node round-robin chose last, shared by the group commit and the careful path so
 * that both take their turns from the same place.
 */
@Injectable()
export class RoundRobinCursor {
  lastChosenId: number | null = null;
}
