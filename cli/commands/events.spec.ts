import type { ServerResponse } from 'node:http';
import { FakeKubesim } from '../testing/fake-kubesim';
import { anEvent } from '../testing/fixtures';
import { runCli } from '../testing/run-cli';

describe('events', () => {
  let fake: FakeKubesim;

  beforeEach(async () => {
    fake = await FakeKubesim.start();
  });
  afterEach(() => fake.stop());

  const registered = anEvent({
    id: '1',
    reason: 'NodeRegistered',
    message: 'node worker-1 registered',
  });
  const failed = anEvent({
    id: '2',
    type: 'Warning',
    reason: 'NodeFailed',
    message: 'no heartbeat for 15s',
  });

  it('passes the filters and prints the events oldest first', async () => {
    fake.on('GET', '/events', { body: [failed, registered] });

    const result = await runCli(fake.url, [
      'events',
      '--type',
      'Warning',
      '--reason',
      'NodeFailed',
      '--object',
      'node/worker-1',
      '--limit',
      '20',
    ]);

    expect(result.code).toBe(0);
    expect(fake.requests[0].query).toEqual({
      type: 'Warning',
      reason: 'NodeFailed',
      object: 'node/worker-1',
      limit: '20',
    });
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines[1]).toMatch(/Normal\s+NodeRegistered\s+node\/worker-1\s+node worker-1 registered/);
    expect(lines[2]).toMatch(/Warning\s+NodeFailed\s+node\/worker-1\s+no heartbeat for 15s/);
  });

  it('-o json keeps the API order and content', async () => {
    fake.on('GET', '/events', { body: [failed, registered] });

    const result = await runCli(fake.url, ['events', '-o', 'json']);

    expect(JSON.parse(result.stdout)).toEqual([failed, registered]);
  });

  describe('--watch', () => {
    const rescheduled = anEvent({
      id: '3',
      reason: 'PodRescheduled',
      object: 'pod/web',
      message: 'pod web moved to worker-2',
    });

    /** An SSE stream as the API sends it: heartbeats, a repeat of a listed event, a new one. */
    function stream(_req: unknown, res: ServerResponse): void {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(': connected\n\n');
      res.write(
        `event: heartbeat\ndata: ${JSON.stringify({ node_id: 1, node_name: 'worker-1', cpu_usage: 0.2 })}\n\n`,
      );
      res.write(`event: event\ndata: ${JSON.stringify(failed)}\n\n`);
      // split mid-message, as TCP may
      const frame = `event: event\r\ndata: ${JSON.stringify(rescheduled)}\r\n\r\n`;
      res.write(frame.slice(0, 20));
      setTimeout(() => res.write(frame.slice(20)), 20);
    }

    it('prints the recent events, then the streamed ones, until aborted', async () => {
      fake.on('GET', '/events', { body: [failed, registered] });
      fake.on('GET', '/events/stream', stream);
      const interrupt = new AbortController();

      const result = await runCli(fake.url, ['events', '--watch'], {
        signal: interrupt.signal,
        onStdout: (out) => out.includes('PodRescheduled') && interrupt.abort(),
      });

      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toContain('NodeRegistered');
      expect(lines[1]).toMatch(/Warning\s+NodeFailed\s+node\/worker-1\s+no heartbeat for 15s/);
      expect(lines[2]).toMatch(/Normal\s+PodRescheduled\s+pod\/web\s+pod web moved to worker-2/);
      // the stream is opened before the snapshot is read, so nothing falls between
      expect(fake.requests.map((r) => r.path)).toEqual(['/events/stream', '/events']);
    });

    it('applies the filters to streamed events and prints JSON lines with -o json', async () => {
      fake.on('GET', '/events', { body: [] });
      fake.on('GET', '/events/stream', stream);
      const interrupt = new AbortController();

      const result = await runCli(fake.url, ['events', '-w', '--type', 'Warning', '-o', 'json'], {
        signal: interrupt.signal,
        onStdout: (out) => out.includes('NodeFailed') && setTimeout(() => interrupt.abort(), 100),
      });

      expect(result.code).toBe(0);
      expect(
        result.stdout
          .trimEnd()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toEqual([failed]);
    });

    it('reconnects when the server closes the stream, resuming after the last event it saw', async () => {
      fake.on('GET', '/events', { body: [] });
      let connections = 0;
      fake.on('GET', '/events/stream', (_req, res) => {
        connections++;
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        if (connections === 1) {
          // the server goes away after one event
          res.end(`id: 1\nevent: event\ndata: ${JSON.stringify(registered)}\n\n`);
          return;
        }
        // a replay of the event seen already, then the one missed
        res.write(`id: 1\nevent: event\ndata: ${JSON.stringify(registered)}\n\n`);
        res.write(`id: 2\nevent: event\ndata: ${JSON.stringify(failed)}\n\n`);
      });
      const interrupt = new AbortController();

      const result = await runCli(fake.url, ['events', '--watch'], {
        signal: interrupt.signal,
        onStdout: (out) => out.includes('NodeFailed') && interrupt.abort(),
      });

      expect(result.code).toBe(0);
      const lines = result.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toContain('NodeRegistered');
      expect(lines[1]).toContain('NodeFailed');
      expect(result.stderr).toMatch(
        new RegExp(`lost the event stream from kubesim at ${fake.url} .*reconnecting in 0\\.5s`),
      );
      expect(result.stderr).toContain('reconnected');
      const streams = fake.requestsTo('GET', '/events/stream');
      expect(streams.map((r) => r.headers['last-event-id'])).toEqual([undefined, '1']);
    });

    it('keeps trying while the server is away, and stops on Ctrl-C', async () => {
      fake.on('GET', '/events', { body: [] });
      let connections = 0;
      fake.on('GET', '/events/stream', (_req, res) => {
        connections++;
        if (connections === 1) {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          res.end();
          return;
        }
        // restarting: not ready to stream yet
        return { status: 503, body: { statusCode: 503, message: 'starting up' } };
      });
      const interrupt = new AbortController();
      const done = runCli(fake.url, ['events', '--watch'], { signal: interrupt.signal });
      // the second failed attempt waits twice as long as the first
      const watcher = setInterval(() => {
        if (connections >= 3) interrupt.abort();
      }, 20);
      const result = await done;
      clearInterval(watcher);
      const { stderr } = result;

      expect(result.code).toBe(0);
      expect(stderr).toMatch(/reconnecting in 0\.5s \(attempt 1/);
      expect(stderr).toMatch(/\(starting up\); reconnecting in 1s \(attempt 2/);
      // no event seen at all: the server replays from the first one
      expect(fake.requestsTo('GET', '/events/stream')[1].headers['last-event-id']).toBe('0');
    });
  });
});
