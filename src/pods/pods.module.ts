import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { PodsController } from './pods.controller';
import { PodsService } from './pods.service';
import { PodListReader } from './pod-list-reader';

@Module({
  imports: [SchedulerModule],
  controllers: [PodsController],
  providers: [PodsService, PodListReader],
  exports: [PodsService],
})
export class PodsModule {}
