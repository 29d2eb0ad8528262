import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { RuntimeModule } from '../runtimes/runtime.module';
import { HeartbeatLog } from './heartbeat-log';
import { HeartbeatService } from './heartbeat.service';
import { InjectedFailures } from './injected-failures';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

@Module({
  imports: [SchedulerModule, RuntimeModule],
  controllers: [NodesController],
  providers: [NodesService, HeartbeatService, HeartbeatLog, InjectedFailures],
  exports: [NodesService, HeartbeatService, HeartbeatLog],
})
export class NodesModule {}
