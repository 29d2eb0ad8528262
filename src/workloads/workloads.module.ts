import { Module } from '@nestjs/common';
import { PodsModule } from '../pods/pods.module';
import { WorkloadsReconcilerService } from './workloads-reconciler.service';

@Module({
  imports: [PodsModule],
  providers: [WorkloadsReconcilerService],
  exports: [WorkloadsReconcilerService],
})
export class WorkloadsModule {}
