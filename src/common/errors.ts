/**
 * Domain errors: services throw these; one exception filter maps them to HTTP.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(kind: 'node' | 'pod' | 'namespace' | 'scenario run' | 'lesson', id: string | number) {
    super(`${kind} ${JSON.stringify(String(id))} not found`);
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
}

/** A change the object's state refuses (a pod in a namespace being deleted). */
export class ForbiddenError extends DomainError {
  readonly status = 403;
}

/** Why a pod may not be made in a namespace that is missing or being deleted, as Kubernetes says it. */
export function closedNamespaceError(name: string, state: 'missing' | 'Terminating'): DomainError {
  return state === 'missing'
    ? new NotFoundError('namespace', name)
    : new ForbiddenError(
        `unable to create new content in namespace ${name} because it is being terminated`,
      );
}

export class BadInputError extends DomainError {
  readonly status = 400;
}

/** An object larger than kubesim stores (a pod's config data over 1 MiB). */
export class TooLargeError extends DomainError {
  readonly status = 413;
}

export class UnauthorizedError extends DomainError {
  readonly status = 401;
}

/** Well-formed, but contradicts what the server holds (an Idempotency-Key reused for another request). */
export class UnprocessableError extends DomainError {
  readonly status = 422;
}

/** A client made too many failed attempts (wrong tokens) and must wait. */
export class TooManyRequestsError extends DomainError {
  readonly status = 429;
}

/** The pod fits on no node and POD_UNSCHEDULABLE=reject. */
export class UnschedulableError extends DomainError {
  readonly status = 409;
}

/** A collaborator (database, Docker engine) is unreachable. */
export class UnavailableError extends DomainError {
  readonly status = 503;
}

/** The runtime cannot do that for this node (an external agent cannot be restarted). */
export class RuntimeUnsupportedError extends DomainError {
  readonly status = 409;
}

/** The answer to a write that is not JSON (a browser form, text/plain, no Content-Type). */
export const NOT_JSON_MESSAGE =
  'the kubesim API takes JSON: send the request (with a body or without) with "Content-Type: application/json"';
