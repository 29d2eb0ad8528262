import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { NOT_JSON_MESSAGE } from './errors';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'what is wrong: one message per field for bad input',
    example: ['name is required', 'cpu_cores must be a number'],
  })
  message: string | string[];
}

interface ErrorDoc {
  description: string;
  error: string;
  message: string | string[];
}

const ERRORS: Record<number, ErrorDoc> = {
  400: {
    description:
      'Bad input: one message per wrong field, saying what is wrong (unknown fields are rejected)',
    error: 'Bad Request',
    message: [
      'name must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
      'cpu_cores must be a number',
    ],
  },
  401: {
    description:
      "Missing or wrong bearer token (KUBESIM_API_TOKEN; on agent routes the node's heartbeat_token)",
    error: 'Unauthorized',
    message: 'this endpoint needs "Authorization: Bearer <KUBESIM_API_TOKEN>"',
  },
  403: {
    description:
      'A Host the server does not answer to (KUBESIM_ALLOWED_HOSTS), or a browser Origin that is neither its own nor in KUBESIM_CORS_ORIGINS',
    error: 'Forbidden',
    message:
      'requests from origin "https://example.com" are not allowed; add it to KUBESIM_CORS_ORIGINS',
  },
  404: {
    description: 'No node or pod with that id or name',
    error: 'Not Found',
    message: 'node "worker-9" not found',
  },
  409: {
    description: 'Conflict: duplicate name, or the action does not apply in this state',
    error: 'Conflict',
    message: 'node "worker-1" already exists',
  },
  413: {
    description:
      'Too large: a body over KUBESIM_BODY_LIMIT (1 MB by default), or a pod whose config data is over 1 MiB',
    error: 'Payload Too Large',
    message: 'request body larger than 1mb',
  },
  415: {
    description:
      'A write (POST, PUT, PATCH, DELETE) without "Content-Type: application/json" (or a +json type), body or not',
    error: 'Unsupported Media Type',
    message: NOT_JSON_MESSAGE,
  },
  422: {
    description: 'The Idempotency-Key was used before for another request (method, path or body)',
    error: 'Unprocessable Entity',
    message:
      'Idempotency-Key k-1 was used for another request (POST /pods); use a new key for a new request',
  },
  429: {
    description:
      'Too many wrong tokens from this client (for this node, for a heartbeat): refused for a minute, see Retry-After',
    error: 'Too Many Requests',
    message: 'too many wrong heartbeat tokens for this node; try again later',
  },
  503: {
    description: 'The database or the Docker engine is unreachable, or the request took too long',
    error: 'Service Unavailable',
    message: 'database unavailable: kubesim cannot reach PostgreSQL, try again shortly',
  },
};

function errorExample(status: number) {
  const doc = ERRORS[status];
  return { statusCode: status, error: doc.error, message: doc.message };
}

/** The response object of an error status, for operations the decorators do not reach. */
function errorResponse(status: number) {
  return {
    description: ERRORS[status].description,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorResponseDto) },
        example: errorExample(status),
      },
    },
  };
}

/** Documents the error answers a route can give, each with the common body and its own example. */
export function ApiErrors(...codes: number[]) {
  return applyDecorators(
    ...[...codes, 503]
      .filter((c, i, all) => all.indexOf(c) === i)
      .map((status) =>
        ApiResponse({
          status,
          description: ERRORS[status].description,
          type: ErrorResponseDto,
          example: errorExample(status),
        }),
      ),
  );
}

const WRITES = ['post', 'put', 'patch', 'delete'] as const;

/**
 * The answers every route can give before its handler runs (the request guards): 403 for
 * a foreign Host or Origin, and 415 for a write that is not JSON.
 */
export function documentRequestGuards(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', ...WRITES] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses['403'] ??= errorResponse(403);
      if ((WRITES as readonly string[]).includes(method))
        operation.responses['415'] ??= errorResponse(415);
    }
  }
  return document;
}

/**
 * Runs in the browser (Swagger UI serialises it): "Try it out" on a write without a
 * body sends no Content-Type, which the API refuses; every write says JSON.
 */
export function swaggerRequestInterceptor(request: {
  method?: string;
  headers: Record<string, string>;
}) {
  const method = (request.method || 'GET').toUpperCase();
  const hasType = Object.keys(request.headers).some((h) => h.toLowerCase() === 'content-type');
  if (method !== 'GET' && method !== 'HEAD' && !hasType)
    request.headers['Content-Type'] = 'application/json';
  return request;
}
