import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { PodsController } from './pods.controller';
import { PodsService } from './pods.service';

@Module({
  imports: [SchedulerModule],
  controllers: [PodsController],
  providers: [PodsService],
  exports: [PodsService],
})
export class PodsModule {}
