/**
 * One line per notable thing, ISO timestamp first, to stdout.
 * Callers never pass config values or tokens: the agent logs names and ids only.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

type Level = keyof Logger;

export function stdoutLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  now: () => Date = () => new Date(),
): Logger {
  const log = (level: Level) => (message: string) =>
    write(`${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** Keeps warnings and errors only: a fleet of thousands would otherwise drown its own log. */
export function quietLogger(inner: Logger): Logger {
  return { info: () => undefined, warn: (m) => inner.warn(m), error: (m) => inner.error(m) };
}
