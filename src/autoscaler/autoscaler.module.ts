import { Module } from '@nestjs/common';
import { NodesModule } from '../nodes/nodes.module';
import { AutoscalerController } from './autoscaler.controller';
import { AutoscalerService } from './autoscaler.service';

@Module({
  imports: [NodesModule],
  controllers: [AutoscalerController],
  providers: [AutoscalerService],
  exports: [AutoscalerService],
})
export class AutoscalerModule {}
