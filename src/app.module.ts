import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { ApiTokenGuard } from './common/auth';
import { AutoscalerModule } from './autoscaler/autoscaler.module';
import { ScenariosModule } from './scenarios/scenarios.module';
import { ConnectionDrainer } from './common/connection-drainer';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { ClusterModule } from './cluster/cluster.module';
import { DatabaseModule } from './database/database.module';
import { RuntimeModule } from './runtimes/runtime.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { HealthMonitorModule } from './health-monitor/health-monitor.module';
import { KubeApiModule } from './kube-api/kube-api.module';
import { MetricsModule } from './metrics/metrics.module';
import { NetworkModule } from './network/network.module';
import { NodesModule } from './nodes/nodes.module';
import { PodsModule } from './pods/pods.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { UsageModule } from './usage/usage.module';
import { WorkloadsModule } from './workloads/workloads.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot(databaseUrl),
        ScheduleModule.forRoot(),
        MetricsModule,
        UsageModule,
        EventsModule,
        RuntimeModule,
        SchedulerModule,
        NodesModule,
        PodsModule,
        ClusterModule,
        HealthMonitorModule,
        KubeApiModule,
        AutoscalerModule,
        WorkloadsModule,
        NetworkModule,
        ScenariosModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: ApiTokenGuard },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        ConnectionDrainer,
      ],
    };
  }
}
