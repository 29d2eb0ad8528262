import { Module } from '@nestjs/common';
import { PodsModule } from '../pods/pods.module';
import { HorizontalPodAutoscalerService } from './horizontal-pod-autoscaler.service';
import { WorkloadsReconcilerService } from './workloads-reconciler.service';

@Module({
  imports: [PodsModule],
  providers: [WorkloadsReconcilerService, HorizontalPodAutoscalerService],
  exports: [WorkloadsReconcilerService, HorizontalPodAutoscalerService],
})
export class WorkloadsModule {}
