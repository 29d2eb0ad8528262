import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { V1Status } from '@kubernetes/client-node';
import type { FastifyReply } from 'fastify';
import { DomainError, UnauthorizedError } from '../common/errors';
import { isDatabaseUnavailable, isTransientConflict } from '../database/pg-errors';
import { DatabaseHealth } from '../database/database-health';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/** An error the Kubernetes API answers as a metav1.Status, the way kube-apiserver words it. */
export class KubeError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason = REASONS[code] ?? 'Unknown',
    readonly details?: V1Status['details'],
  ) {
    super(message);
  }

  static notFound(resource: string, name: string): KubeError {
    return new KubeError(404, `${resource} "${name}" not found`, 'NotFound', {
      name,
      kind: resource,
    });
  }

  static alreadyExists(resource: string, name: string): KubeError {
    return new KubeError(409, `${resource} "${name}" already exists`, 'AlreadyExists', {
      name,
      kind: resource,
    });
  }

  /** A field refused: kubectl prints each cause. */
  static invalid(kind: string, name: string, causes: Array<{ field: string; message: string }>) {
    const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
    return new KubeError(422, `${kind} "${name}" is invalid: ${text}`, 'Invalid', {
      name,
      kind,
      causes: causes.map((c) => ({
        reason: 'FieldValueInvalid',
        message: c.message,
        field: c.field,
      })),
    });
  }

  static methodNotAllowed(): KubeError {
    return new KubeError(405, 'the server does not allow this method on the requested resource');
  }
}

export function statusBody(
  code: number,
  message: string,
  reason = REASONS[code] ?? 'Unknown',
  details?: V1Status['details'],
): V1Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/**
 * Every error of the Kubernetes API as a Status object, so kubectl prints
 * `Error from server (NotFound): pods "x" not found` as against a real cluster.
 */
@Catch()
export class KubeStatusFilter implements ExceptionFilter {
  private readonly logger = new Logger('KubeApi');

  constructor(private readonly databaseHealth: DatabaseHealth) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (reply.sent || reply.raw.headersSent) return;
    const body = this.describe(exception);
    void reply.code(body.code!).type('application/json').send(body);
  }

  private describe(exception: unknown): V1Status {
    if (exception instanceof KubeError)
      return statusBody(exception.code, exception.message, exception.reason, exception.details);
    if (exception instanceof UnauthorizedError) return statusBody(401, 'Unauthorized');
    if (exception instanceof DomainError) {
      const code = exception.status;
      return statusBody(code, exception.message, code === 409 ? 'Conflict' : undefined);
    }
    if (exception instanceof HttpException) {
      const code = exception.getStatus();
      const response = exception.getResponse() as string | { message?: string | string[] };
      const message =
        typeof response === 'string'
          ? response
          : [response.message ?? exception.message].flat().join('; ');
      return statusBody(code, message);
    }
    const frameworkStatus = (exception as { statusCode?: unknown } | null)?.statusCode;
    if (
      exception instanceof Error &&
      typeof frameworkStatus === 'number' &&
      frameworkStatus >= 400 &&
      frameworkStatus < 500
    )
      return statusBody(frameworkStatus, exception.message);
    if (isTransientConflict(exception))
      return statusBody(
        503,
        'a concurrent change got in the way and nothing was written; try again',
      );
    if (isDatabaseUnavailable(exception)) {
      this.databaseHealth.markDown();
      return statusBody(503, 'database unavailable: kubesim cannot reach PostgreSQL');
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return statusBody(500, 'an error on the server has prevented the request from succeeding');
  }
}

/** Warnings of a write (unknown fields under `fieldValidation=Warn`): kubectl prints each as "Warning: …". */
export function sendWarnings(reply: FastifyReply, warnings: string[]): void {
  if (warnings.length)
    void reply.header(
      'Warning',
      warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
}
