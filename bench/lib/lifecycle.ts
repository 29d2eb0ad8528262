/**
 * What the bench started and must stop: servers, fleets, load generators. Ctrl-C or an
 * error aborts the signal, the running phase unwinds, and every registered cleanup runs
 * (newest first) before the process exits, so no server or PostgreSQL is left behind.
 */

export class Aborted extends Error {
  constructor() {
    super('aborted');
  }
}

const controller = new AbortController();
export const abortSignal: AbortSignal = controller.signal;

type Cleanup = { name: string; run: () => Promise<void> | void; sync?: () => void };
const cleanups: Cleanup[] = [];

/** Registers a cleanup; the returned function unregisters it (after the caller did it itself). */
export function onCleanup(
  name: string,
  run: () => Promise<void> | void,
  sync?: () => void,
): () => void {
  const entry = { name, run, sync };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export function throwIfAborted(): void {
  if (abortSignal.aborted) throw new Aborted();
}

let cleaning: Promise<void> | undefined;

/** Runs every cleanup once, newest first; a failing one does not stop the others. */
export function runCleanups(log: (line: string) => void = () => undefined): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const entry = cleanups.pop()!;
      try {
        await entry.run();
      } catch (err) {
        log(`cleanup ${entry.name} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/**
 * First Ctrl-C (or SIGTERM): abort and clean up, then exit 130. A second one, or
 * cleanups still running after 60 s, ends at once with the synchronous fallbacks.
 */
export function installSignalHandlers(log: (line: string) => void): void {
  let signals = 0;
  const onSignal = (name: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log(`${name}: stopping the bench and everything it started…`);
      controller.abort();
      const force = setTimeout(() => hardExit(log), 60_000);
      force.unref();
      void runCleanups(log).then(() => process.exit(130));
    } else {
      hardExit(log);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // an exit that skipped the cleanups (a crash in a callback) still signals the servers
  process.on('exit', () => {
    for (const entry of cleanups.splice(0).reverse()) {
      try {
        entry.sync?.();
      } catch {
        // nothing more can be done on the way out
      }
    }
  });
}

export function abortBench(): void {
  controller.abort();
}

function hardExit(log: (line: string) => void): never {
  log('forced exit: signalling what is left');
  for (const entry of cleanups.splice(0).reverse()) {
    try {
      entry.sync?.();
    } catch {
      // nothing more can be done on the way out
    }
  }
  process.exit(130);
}

/** Resolves after ms, rejects with Aborted when the bench is stopped meanwhile. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (abortSignal.aborted) return reject(new Aborted());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    const timer = setTimeout(() => {
      abortSignal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    abortSignal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs fn(0) … fn(count − 1), at most `limit` at a time; stops early when aborted. */
export async function forEachLimit(
  count: number,
  limit: number,
  fn: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < count && failure === undefined && !abortSignal.aborted) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failure !== undefined) throw failure;
  throwIfAborted();
}
