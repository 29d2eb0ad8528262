import { Global, Module } from '@nestjs/common';
import { ClusterBus } from './cluster-bus';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

@Global()
@Module({
  controllers: [EventsController],
  providers: [EventsService, ClusterBus],
  exports: [EventsService, ClusterBus],
})
export class EventsModule {}
