import { Module } from '@nestjs/common';
import { GroupCommit } from './group-commit';
import { PendingRetry } from './pending-retry';
import { PodEvictor } from './pod-evictor';
import { PodPlacer } from './pod-placer';
import { RoundRobinCursor } from './round-robin-cursor';
import { SchedulerAlgorithmSetting } from './scheduler-algorithm';
import { SchedulerController } from './scheduler.controller';
import { SchedulerService } from './scheduler.service';
import { SchedulingExplanationService } from './scheduling-explanation.service';

@Module({
  controllers: [SchedulerController],
  providers: [
    SchedulerAlgorithmSetting,
    RoundRobinCursor,
    GroupCommit,
    PodPlacer,
    PodEvictor,
    PendingRetry,
    SchedulerService,
    SchedulingExplanationService,
  ],
  exports: [SchedulerService, SchedulingExplanationService],
})
export class SchedulerModule {}
