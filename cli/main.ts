#!/usr/bin/env node
import { run } from './program';

// The first Ctrl-C lets the running command finish cleanly (`events --watch`
// stops, a request gives up); a second one leaves at once.
const interrupt = new AbortController();
process.once('SIGINT', () => {
  interrupt.abort();
  process.once('SIGINT', () => process.exit(130));
});
// a service manager's stop: the same clean end (a simulated fleet removes its nodes)
process.once('SIGTERM', () => interrupt.abort());

// output piped into a reader that has had enough (`kubesim get pods | head`): stop quietly, as
// Unix tools do, instead of crashing on the closed pipe
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

void run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: interrupt.signal,
}).then((code) => {
  process.exitCode = code;
});
