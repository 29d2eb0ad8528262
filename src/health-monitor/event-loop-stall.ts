import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * How long this process's event loop stood still at most: while it does, the heartbeats
 * that arrive wait unread in their sockets, so the silence the monitor then sees is the
 * API's, not the nodes'. Node's own event-loop delay histogram, sampled every 20 ms.
 */
@Injectable()
export class EventLoopStall implements OnModuleDestroy {
  private histogram?: IntervalHistogram;

  /** The longest stall since the last call, in ms (0 on the first call: it starts watching then). */
  longestSinceLastAsked(): number {
    if (!this.histogram) {
      this.histogram = monitorEventLoopDelay({ resolution: 20 });
      this.histogram.enable();
      return 0;
    }
    const ms = this.histogram.count ? this.histogram.max / 1e6 : 0;
    this.histogram.reset();
    return ms;
  }

  onModuleDestroy(): void {
    this.histogram?.disable();
  }
}
