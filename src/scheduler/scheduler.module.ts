import { Module } from '@nestjs/common';
import { SchedulerController } from './scheduler.controller';
import { SchedulerService } from './scheduler.service';
import { SchedulingExplanationService } from './scheduling-explanation.service';

@Module({
  controllers: [SchedulerController],
  providers: [SchedulerService, SchedulingExplanationService],
  exports: [SchedulerService, SchedulingExplanationService],
})
export class SchedulerModule {}
