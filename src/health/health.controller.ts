import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PublicRoute } from '../common/auth';
import { Database } from '../database/database';
import { APP_CONFIG, AppConfig } from '../config/app-config';

@ApiTags('health')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(
    private readonly database: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('healthz')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Liveness: the process answers (with KUBESIM_WORKERS above 1, which worker did: the lead runs the loops and the agents)',
  })
  @ApiOkResponse({
    schema: { example: { status: 'ok', worker: { role: 'lead', pid: 4242 } } },
  })
  getLiveness() {
    return this.config.workerRole === 'single'
      ? { status: 'ok' }
      : { status: 'ok', worker: { role: this.config.workerRole, pid: process.pid } };
  }

  @Get('readyz')
  @ApiOperation({ summary: 'Readiness: the process answers and PostgreSQL does too' })
  @ApiOkResponse({ schema: { example: { status: 'ok', database: 'up' } } })
  @ApiServiceUnavailableResponse({
    schema: { example: { status: 'unavailable', database: 'down' } },
  })
  async getReadiness(@Res({ passthrough: true }) res: FastifyReply) {
    try {
      await Promise.race([
        this.database.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref()),
      ]);
      return { status: 'ok', database: 'up' };
    } catch (err) {
      res.status(503);
      return { status: 'unavailable', database: 'down', message: (err as Error).message };
    }
  }
}
