import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BindingsRepository } from './bindings.repository';
import { ContainerLogsRepository } from './container-logs.repository';
import { Database } from './database';
import { DatabaseHealth } from './database-health';
import { DecisionsRepository } from './decisions.repository';
import { HeartbeatsRepository } from './heartbeats.repository';
import { NodesRepository } from './nodes.repository';
import { PodsRepository } from './pods.repository';
import { SettingsRepository } from './settings.repository';
import { WorkloadsRepository } from './workloads.repository';
import { dataSourceOptions } from './data-source';
import { EventsRepository } from './events.repository';
import { IdempotencyRepository } from './idempotency.repository';
import { NamespacesRepository } from './namespaces.repository';
import { NetworkRepository } from './network.repository';
import { StoreChanges } from './store-changes';
import { DATABASE_URL } from './database-url';
import { ReplicaChannel } from './replica-channel';

export { DATABASE_URL };

/** What the database floor gives the services above: the pool's transactions, whether it answers, the repositories, their change listeners. */
const PROVIDED = [
  Database,
  DatabaseHealth,
  StoreChanges,
  ReplicaChannel,
  NodesRepository,
  PodsRepository,
  BindingsRepository,
  HeartbeatsRepository,
  DecisionsRepository,
  SettingsRepository,
  ContainerLogsRepository,
  NamespacesRepository,
  WorkloadsRepository,
  NetworkRepository,
  EventsRepository,
  IdempotencyRepository,
];

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          ...dataSourceOptions(url),
          // boot waits for the database a little; past that it says why it cannot start
          retryAttempts: 5,
          retryDelay: 1000,
        }),
      ],
      providers: [...PROVIDED, { provide: DATABASE_URL, useValue: url }],
      exports: [...PROVIDED, DATABASE_URL],
    };
  }
}
