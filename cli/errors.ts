/**
 * Every way a command can fail, each with the exit code a script can rely on:
 * 1 the API refused or the command could not finish, 2 bad usage (commander's
 * own errors map there too), 3 the server could not be reached, 130 Ctrl-C.
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;
export const EXIT_INTERRUPTED = 130;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
  }
}

/** The API answered with an error status; `message` is the API's own. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message, EXIT_FAILURE);
  }
}

export class UnreachableError extends CliError {
  constructor(readonly server: string) {
    super(`cannot reach kubesim at ${server}`, EXIT_UNREACHABLE);
  }
}

/** The user pressed Ctrl-C; nothing more needs saying. */
export class InterruptedError extends CliError {
  constructor() {
    super('interrupted', EXIT_INTERRUPTED);
  }
}
