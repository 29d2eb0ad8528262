import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { PublicRoute } from '../common/auth';
import { Database } from '../database/database';

@ApiTags('health')
@PublicRoute()
@Controller()
export class HealthController {
  constructor(private readonly database: Database) {}

  @Get('healthz')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  getLiveness() {
    return { status: 'ok' };
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
