/** A reader of /events/stream (server-sent events): calls back with each message. */
import * as http from 'node:http';
import { onCleanup } from './lifecycle';

export interface StreamMessage {
  event: string;
  data: any;
  /** Date.now() when the message arrived */
  at: number;
}

export class EventStream {
  private request: http.ClientRequest | undefined;
  private readonly unregister: () => void;

  private constructor(private readonly onMessage: (m: StreamMessage) => void) {
    this.unregister = onCleanup('event stream', () => this.close());
  }

  /** Resolves once the stream answered 200 and is open. */
  static open(baseUrl: string, onMessage: (m: StreamMessage) => void): Promise<EventStream> {
    const stream = new EventStream(onMessage);
    return new Promise((resolve, reject) => {
      const req = http.get(`${baseUrl}/events/stream`, {
        headers: { accept: 'text/event-stream' },
      });
      stream.request = req;
      req.on('error', (err) => reject(err));
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`/events/stream answered ${res.statusCode}`));
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            stream.dispatch(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
        });
        res.on('error', () => undefined);
        resolve(stream);
      });
    });
  }

  private dispatch(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (!data.length) return;
    let parsed: unknown = data.join('\n');
    try {
      parsed = JSON.parse(parsed as string);
    } catch {
      // kept as text
    }
    this.onMessage({ event, data: parsed, at: Date.now() });
  }

  close(): void {
    this.unregister();
    this.request?.destroy();
    this.request = undefined;
  }
}
