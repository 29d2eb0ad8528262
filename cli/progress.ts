import { setTimeout as delay } from 'node:timers/promises';
import type { OutputStream } from './context';
import { InterruptedError } from './errors';

export interface Spinner {
  update(text: string): void;
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * A spinner on stderr, so it never mixes with output a script reads. Off a
 * terminal it prints its text once instead of filling a log with frames.
 */
export function startSpinner(stream: OutputStream, text: string): Spinner {
  if (!stream.isTTY) {
    stream.write(`${text}\n`);
    return { update: () => undefined, stop: () => undefined };
  }
  let current = text;
  let frame = 0;
  const draw = (): void => {
    stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${current}\x1b[K`);
  };
  draw();
  const timer = setInterval(draw, 80);
  return {
    update(next: string) {
      current = next;
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}

/** Waits, unless Ctrl-C comes first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new InterruptedError();
  }
}
