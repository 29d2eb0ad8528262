import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '../domain/clock';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { RuntimeModule } from '../runtimes/runtime.module';
import { HeartbeatCaches } from './heartbeat-caches';
import { HeartbeatSamples } from './heartbeat-samples';
import { NodeNameCache } from './node-name-cache';
import { NodePodsCache } from './node-pods-cache';
import { ReportFingerprints } from './report-fingerprints';
import { RoutineBeats } from './routine-beats';
import { TokenHashCache } from './token-hash-cache';
import { HeartbeatService } from './heartbeat.service';
import { HeartbeatTokenAuth } from './heartbeat-token-auth';
import { AssignmentWaiters } from './assignment-waiters';
import { AssignmentWatch } from './assignment-watch';
import { HeartbeatBuffer } from './heartbeat-buffer';
import { HeartbeatFlusher } from './heartbeat-flusher';
import { NodePodsReader } from './node-pods-reader';
import { InjectedFailures } from './injected-failures';
import { NodesController } from './nodes.controller';
import { NodesService } from './nodes.service';

@Module({
  imports: [SchedulerModule, RuntimeModule],
  controllers: [NodesController],
  providers: [
    NodesService,
    HeartbeatService,
    HeartbeatBuffer,
    HeartbeatFlusher,
    NodePodsReader,
    HeartbeatTokenAuth,
    HeartbeatSamples,
    TokenHashCache,
    NodeNameCache,
    ReportFingerprints,
    NodePodsCache,
    RoutineBeats,
    HeartbeatCaches,
    AssignmentWaiters,
    AssignmentWatch,
    InjectedFailures,
    { provide: Clock, useClass: SystemClock },
  ],
  exports: [NodesService, HeartbeatService, HeartbeatFlusher, HeartbeatTokenAuth],
})
export class NodesModule {}
