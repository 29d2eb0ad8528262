import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { HealthMonitorService } from './health-monitor.service';

@Module({
  imports: [NodesModule, SchedulerModule],
  providers: [HealthMonitorService],
  exports: [HealthMonitorService],
})
export class HealthMonitorModule {}
