import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClusterStore } from './cluster-store';
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
      providers: [
        ClusterStore,
        StoreChanges,
        ReplicaChannel,
        NamespacesRepository,
        WorkloadsRepository,
        NetworkRepository,
        EventsRepository,
        IdempotencyRepository,
        { provide: DATABASE_URL, useValue: url },
      ],
      exports: [
        ClusterStore,
        StoreChanges,
        ReplicaChannel,
        StoreChanges,
        ReplicaChannel,
        NamespacesRepository,
        WorkloadsRepository,
        NetworkRepository,
        EventsRepository,
        IdempotencyRepository,
        DATABASE_URL,
      ],
    };
  }
}
