import { Logger } from '@nestjs/common';
import { AgentExit } from '../runtimes/node-runtime';
import { destroyStream, DockerEngineAdapter } from './docker-engine';
import { clusterLabels, LABEL_NODE_ID, LABEL_NODE_NAME } from './node-container';

const EVENTS_RETRY_MS = [500, 1000, 2000, 5000, 10_000];
/** container events that can mean an agent is gone */
const WATCHED_EVENTS = ['die', 'stop', 'kill', 'oom', 'destroy'];

/**
 * Watches the engine's container events for this cluster's node containers and reports
 * each death the server did not cause, once, with the node and how it ended. The stream
 * is resubscribed when it ends, replaying from the last event seen.
 */
export class ContainerDeathWatcher {
  private readonly logger = new Logger(ContainerDeathWatcher.name);
  private readonly listeners: Array<(exit: AgentExit) => void> = [];
  /** containers whose end the server caused (stop, restart, remove, simulated crash) */
  private readonly expected = new Set<string>();
  /** containers already reported as gone: an end brings several events */
  private readonly reported = new Set<string>();
  /** the last signal sent to a container from outside, for the report of its death */
  private readonly signals = new Map<string, string>();
  private events: NodeJS.ReadableStream | null = null;
  private eventsRetry: NodeJS.Timeout | null = null;
  private eventsFailures = 0;
  /** unix seconds of the last event seen: a new subscription replays from there */
  private eventsSince = 0;
  private closed = false;

  constructor(
    private readonly engine: DockerEngineAdapter,
    private readonly clusterId: string,
  ) {}

  /** The end of this container is the server's doing: it is not reported. */
  expectEnd(containerId: string): void {
    this.expected.add(containerId);
  }

  onUnexpectedExit(listener: (exit: AgentExit) => void): void {
    this.listeners.push(listener);
  }

  /** Subscribes to container events; resubscribes (replaying what was missed) when the stream ends. */
  async watch(): Promise<void> {
    if (this.closed) return;
    this.eventsRetry = null;
    try {
      const stream = await this.engine.call('watch events', () =>
        this.engine.streams.getEvents({
          ...(this.eventsSince ? { since: this.eventsSince } : {}),
          filters: {
            label: clusterLabels(this.clusterId),
            type: ['container'],
            event: WATCHED_EVENTS,
          },
        }),
      );
      if (this.closed) return destroyStream(stream);
      this.events = stream;
      this.eventsFailures = 0;
      const lines = new LineReader((line) => this.onEvent(line));
      stream.on('data', (chunk: Buffer | string) => lines.push(chunk));
      let ended = false;
      const onEnd = (why: string) => {
        if (ended) return;
        ended = true;
        if (this.events !== stream || this.closed) return;
        this.events = null;
        this.eventsSince = this.eventsSince || Math.floor(Date.now() / 1000);
        this.logger.warn(`Docker event stream ended (${why}): resubscribing`);
        this.scheduleWatch();
      };
      stream.on('end', () => onEnd('end'));
      stream.on('close', () => onEnd('closed'));
      stream.on('error', (err: Error) => onEnd(err.message));
    } catch (err) {
      this.logger.warn(`cannot watch Docker events: ${(err as Error).message}`);
      this.scheduleWatch();
    }
  }

  /** Stops watching, for good. */
  close(): void {
    this.closed = true;
    if (this.eventsRetry) clearTimeout(this.eventsRetry);
    this.eventsRetry = null;
    const events = this.events;
    this.events = null;
    destroyStream(events);
  }

  private scheduleWatch(): void {
    if (this.closed || this.eventsRetry) return;
    const delay = EVENTS_RETRY_MS[Math.min(this.eventsFailures++, EVENTS_RETRY_MS.length - 1)];
    this.eventsRetry = setTimeout(() => void this.watch(), delay);
    this.eventsRetry.unref();
  }

  private onEvent(line: string): void {
    let event: DockerEvent;
    try {
      event = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    if (event.time) this.eventsSince = Math.max(this.eventsSince, event.time);
    const id = event.Actor?.ID ?? event.id;
    const attributes = event.Actor?.Attributes ?? {};
    const action = event.Action ?? event.status;
    if (!id || !action) return;
    if (action === 'kill') {
      // only signals that end an agent: SIGUSR1/2 (partition) are the server's own and harmless
      if (attributes.signal && SIGNAL_NAMES[attributes.signal])
        this.signals.set(id, attributes.signal);
      return;
    }
    if (action === 'oom') {
      this.signals.set(id, 'oom');
      return;
    }
    if (action !== 'die' && action !== 'destroy' && action !== 'stop') return;
    const nodeId = Number(attributes[LABEL_NODE_ID]);
    const unexpected = !this.expected.has(id) && !this.reported.has(id) && Number.isInteger(nodeId);
    if (action === 'destroy') this.forget(id);
    if (!unexpected) return;
    this.reported.add(id);
    const detail = describeDeath(attributes.exitCode, this.signals.get(id), action);
    const nodeName = attributes[LABEL_NODE_NAME] ?? attributes.name ?? id.slice(0, 12);
    this.logger.warn(`agent of node ${nodeName} (container ${id.slice(0, 12)}) ${detail}`);
    const signal = this.signals.get(id);
    const fromOutside = action === 'destroy' || (signal !== undefined && signal !== 'oom');
    for (const listener of this.listeners) listener({ nodeId, nodeName, detail, fromOutside });
  }

  private forget(id: string): void {
    this.expected.delete(id);
    this.reported.delete(id);
    this.signals.delete(id);
  }
}

interface DockerEvent {
  status?: string;
  id?: string;
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

const SIGNAL_NAMES: Record<string, string> = {
  '1': 'SIGHUP',
  '2': 'SIGINT',
  '3': 'SIGQUIT',
  '6': 'SIGABRT',
  '9': 'SIGKILL',
  '15': 'SIGTERM',
};

function describeDeath(
  exitCode: string | undefined,
  signal: string | undefined,
  action: string,
): string {
  const code = exitCode !== undefined ? ` with code ${exitCode}` : '';
  if (signal === 'oom') return `was killed for lack of memory (exit${code})`;
  if (signal) {
    return `was sent ${SIGNAL_NAMES[signal] ?? `signal ${signal}`} from outside kubesim and exited${code}`;
  }
  if (action === 'destroy') return 'container was removed from outside kubesim';
  return `container exited${code} without kubesim asking`;
}

/** Splits a byte stream of newline-separated JSON into lines. */
class LineReader {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer | string): void {
    const lines = (this.rest + chunk.toString()).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) this.onLine(line);
  }
}
