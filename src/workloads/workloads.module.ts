import { Module } from '@nestjs/common';
import { PodsModule } from '../pods/pods.module';
import { ControlledPods } from './controlled-pods';
import { DaemonSetSync } from './daemon-set-sync';
import { DeploymentSync } from './deployment-sync';
import { HorizontalPodAutoscalerService } from './horizontal-pod-autoscaler.service';
import { JobSync } from './job-sync';
import { ReplicaSetSync } from './replica-set-sync';
import { WorkloadsReconcilerService } from './workloads-reconciler.service';

@Module({
  imports: [PodsModule],
  providers: [
    WorkloadsReconcilerService,
    DeploymentSync,
    ReplicaSetSync,
    JobSync,
    DaemonSetSync,
    ControlledPods,
    HorizontalPodAutoscalerService,
  ],
  exports: [WorkloadsReconcilerService, HorizontalPodAutoscalerService],
})
export class WorkloadsModule {}
