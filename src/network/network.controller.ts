import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-docs';
import { MatrixDto, MatrixQuery, ReachabilityDto, ReachabilityQuery } from './dto/network.dto';
import { NetworkService } from './network.service';

@ApiTags('network')
@ApiBearerAuth('api-token')
@Controller('network')
export class NetworkController {
  constructor(private readonly network: NetworkService) {}

  @Get('reachability')
  @ApiOperation({
    summary:
      "Whether one pod may reach a pod or a Service on a port, as the NetworkPolicies decide (the source's egress and the destination's ingress)",
  })
  @ApiOkResponse({ type: ReachabilityDto })
  @ApiErrors(400, 401, 404)
  getReachability(@Query() query: ReachabilityQuery): Promise<ReachabilityDto> {
    return this.network.reachability(query) as Promise<ReachabilityDto>;
  }

  @Get('matrix')
  @ApiOperation({ summary: 'Who may talk to whom: every pod against every pod, for a port or any' })
  @ApiOkResponse({ type: MatrixDto })
  @ApiErrors(400, 401)
  getNetworkMatrix(@Query() query: MatrixQuery): Promise<MatrixDto> {
    return this.network.matrix(query);
  }
}
