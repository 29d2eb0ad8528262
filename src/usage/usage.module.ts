import { Global, Module } from '@nestjs/common';
import { UsageService } from './usage.service';

/** Resource use as the agents report it: every module that shows or acts on it reads it here. */
@Global()
@Module({
  providers: [UsageService],
  exports: [UsageService],
})
export class UsageModule {}
