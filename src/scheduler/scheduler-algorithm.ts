import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { SettingsRepository } from '../database/settings.repository';
import { EventsService } from '../events/events.service';
import { SCHEDULER_ALGORITHMS, SchedulerAlgorithm } from './strategies/types';

const ALGORITHM_KEY = 'scheduler.algorithm';

/** The cluster's scheduler algorithm: configured at boot, changed at run time, kept in the database. */
@Injectable()
export class SchedulerAlgorithmSetting implements OnModuleInit {
  private algorithm: SchedulerAlgorithm;

  constructor(
    private readonly settingsRepository: SettingsRepository,
    private readonly events: EventsService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.algorithm = config.schedulerAlgorithm;
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
  }

  get current(): SchedulerAlgorithm {
    return this.algorithm;
  }

  /** Another replica may have changed the algorithm: the database holds the truth. */
  async refresh(): Promise<SchedulerAlgorithm> {
    const stored = await this.settingsRepository.getSetting(ALGORITHM_KEY);
    if (stored && (SCHEDULER_ALGORITHMS as readonly string[]).includes(stored)) {
      this.algorithm = stored as SchedulerAlgorithm;
    }
    return this.algorithm;
  }

  async set(algorithm: SchedulerAlgorithm): Promise<void> {
    await this.settingsRepository.putSetting(ALGORITHM_KEY, algorithm);
    if (algorithm !== this.algorithm) {
      await this.events.record(
        'Normal',
        'SchedulerChanged',
        'cluster/kubesim',
        `scheduler algorithm set to ${algorithm}`,
      );
    }
    this.algorithm = algorithm;
  }
}
