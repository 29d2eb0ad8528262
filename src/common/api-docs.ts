import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

export class ErrorResponseDto {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    example: [
      'name must be a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)',
    ],
  })
  message: string | string[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: the field and the reason (unknown fields are rejected)',
  401: 'Missing or wrong bearer token',
  404: 'No node or pod with that id or name',
  409: 'Conflict: duplicate name, or the action does not apply in this state',
  413: 'Too large: a body over KUBESIM_BODY_LIMIT (1 MB by default), or a pod whose config data is over 1 MiB',
  422: 'The Idempotency-Key was used before for another request (method, path or body)',
  429: 'Too many wrong tokens from this client (for this node, for a heartbeat): refused for a minute, see Retry-After',
  503: 'The database or the Docker engine is unreachable',
};

/** Documents the error answers a route can give, each with the common error body. */
export function ApiErrors(...codes: number[]) {
  return applyDecorators(
    ...[...codes, 503]
      .filter((c, i, all) => all.indexOf(c) === i)
      .map((status) =>
        ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto }),
      ),
  );
}
