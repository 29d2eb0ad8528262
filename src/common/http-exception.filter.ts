import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Inject,
  Logger,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { STATUS_CODES } from 'node:http';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DatabaseHealth } from '../database/database-health';
import { DomainError, NOT_JSON_MESSAGE } from './errors';
import { dataErrorOf, isDatabaseUnavailable, isTransientConflict } from '../database/pg-errors';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  431: 'Request Header Fields Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(status: number, message: string | string[]) {
  return { statusCode: status, error: REASONS[status] ?? STATUS_CODES[status] ?? 'Error', message };
}

/** The one place where errors become HTTP answers; clients never see a stack trace. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly databaseHealth: DatabaseHealth,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res: unknown = host.switchToHttp().getResponse();
    const http = this.adapterHost.httpAdapter;
    // a request that timed out was answered already (503)
    if (http.isHeadersSent(res)) return;
    const [status, body] = this.describe(exception);
    http.reply(res, body, status);
  }

  private describe(exception: unknown): [number, unknown] {
    if (exception instanceof DomainError) {
      return [exception.status, errorBody(exception.status, exception.message)];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      return [status, typeof response === 'string' ? errorBody(status, response) : response];
    }
    // Fastify's own refusals before a handler runs: body too large, unreadable, wrong type
    const frameworkStatus = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (
      exception instanceof Error &&
      typeof frameworkStatus === 'number' &&
      frameworkStatus >= 400 &&
      frameworkStatus < 500
    ) {
      const code = (exception as { code?: string }).code;
      const message =
        code === 'FST_ERR_CTP_BODY_TOO_LARGE'
          ? `request body larger than ${this.config.bodyLimit}`
          : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
            ? NOT_JSON_MESSAGE
            : exception.message;
      return [frameworkStatus, errorBody(frameworkStatus, message)];
    }
    if (isTransientConflict(exception)) {
      return [
        503,
        errorBody(503, 'a concurrent change got in the way and nothing was written; try again'),
      ];
    }
    if (isDatabaseUnavailable(exception)) {
      this.databaseHealth.markDown();
      return [
        503,
        errorBody(503, 'database unavailable: kubesim cannot reach PostgreSQL, try again shortly'),
      ];
    }
    // data errors are input PostgreSQL refused: the client's, not ours
    const dataError = dataErrorOf(exception);
    if (dataError !== null) return [400, errorBody(400, `invalid value: ${dataError}`)];
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return [HttpStatus.INTERNAL_SERVER_ERROR, errorBody(500, 'internal error')];
  }
}
