/**
 * The time, for code that stamps or judges by it: injected, so a spec can pass a fixed
 * one. `Clock` is the injection token; the application provides `SystemClock`.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
