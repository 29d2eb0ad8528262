import { Injectable } from '@nestjs/common';
import { BindingsRepository } from '../database/bindings.repository';
import { EventsService } from '../events/events.service';

/** A node's allocated CPU must equal the sum of its pods'; repaired and reported if not. */
@Injectable()
export class AllocationInvariant {
  constructor(
    private readonly bindings: BindingsRepository,
    private readonly events: EventsService,
  ) {}

  async checkAllocations(): Promise<void> {
    const drifted = await this.bindings.repairAllocations();
    for (const d of drifted) {
      await this.events.record(
        'Warning',
        'AllocationRepaired',
        `node/${d.name}`,
        `Allocated CPU of ${d.name} was ${d.was / 1000} cores but its pods hold ${d.now / 1000}: repaired`,
      );
    }
  }
}
