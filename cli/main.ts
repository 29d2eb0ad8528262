#!/usr/bin/env node
import { run } from './program';

// The first Ctrl-C lets the running command finish cleanly (`events --watch`
// stops, a request gives up); a second one leaves at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});

void run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupt.signal,
}).then((code) => {
  process.exitCode = code;
});
