import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { RuntimeModule } from '../runtimes/runtime.module';
import { HeartbeatLog } from './heartbeat-log';
import { HeartbeatService } from './heartbeat.service';
import { HeartbeatTokenAuth } from './heartbeat-token-auth';
import { AssignmentWaiters } from './assignment-waiters';
import { InjectedFailures } from './injected-failures';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

@Module({
  imports: [SchedulerModule, RuntimeModule],
  controllers: [NodesController],
  providers: [
    NodesService,
    HeartbeatService,
    HeartbeatTokenAuth,
    HeartbeatLog,
    AssignmentWaiters,
    InjectedFailures,
  ],
  exports: [NodesService, HeartbeatService, HeartbeatTokenAuth, HeartbeatLog],
})
export class NodesModule {}
