import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { AllocationInvariant } from './allocation-invariant';
import { ClusterDisruption } from './cluster-disruption';
import { EventLoopStall } from './event-loop-stall';
import { HealthMonitorService } from './health-monitor.service';
import { NodeFailureDetector } from './node-failure-detector';
import { NodeRecovery } from './node-recovery';
import { PodEviction } from './pod-eviction';
import { RuntimeReconciler } from './runtime-reconciler';
import { SuspectPods } from './suspect-pods';

@Module({
  imports: [NodesModule, SchedulerModule],
  providers: [
    HealthMonitorService,
    NodeFailureDetector,
    ClusterDisruption,
    EventLoopStall,
    SuspectPods,
    PodEviction,
    NodeRecovery,
    RuntimeReconciler,
    AllocationInvariant,
  ],
  exports: [HealthMonitorService],
})
export class HealthMonitorModule {}
