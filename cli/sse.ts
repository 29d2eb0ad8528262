/**
 * A server-sent-events reader for fetch's body stream (Node has no EventSource).
 * Follows the WHATWG parsing rules the kubesim stream needs: `event`, `data`
 * (several lines joined by "\n"), `id`, comments, and any of CRLF, LF or CR as
 * line ends, with chunks split anywhere, even inside a CRLF.
 */

export interface SseMessage {
  /** the SSE event name; `message` when the server named none */
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;
  private afterCr = false;

  /** Feeds more text; returns the messages it completed. */
  push(text: string): SseMessage[] {
    if (this.afterCr && text !== '') {
      // The CR that ended the last chunk was half of a CRLF.
      if (text.startsWith('\n')) text = text.slice(1);
      this.afterCr = false;
    }
    this.buffer += text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (;;) {
      const end = this.findLineEnd(start);
      if (end === -1) break;
      const line = this.buffer.slice(start, end);
      if (this.buffer[end] === '\r' && end + 1 === this.buffer.length) this.afterCr = true;
      start = end + (this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1);
      const message = this.processLine(line);
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private findLineEnd(from: number): number {
    for (let i = from; i < this.buffer.length; i++) {
      if (this.buffer[i] === '\n' || this.buffer[i] === '\r') return i;
    }
    return -1;
  }

  private processLine(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    else if (field === 'id') this.lastId = value;
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const hasData = this.dataLines.length > 0;
    const message: SseMessage = {
      event: this.eventName || 'message',
      data: this.dataLines.join('\n'),
      ...(this.lastId !== undefined ? { id: this.lastId } : {}),
    };
    this.eventName = '';
    this.dataLines = [];
    return hasData ? message : undefined;
  }
}

/**
 * Yields the messages of a byte stream until it ends; errors (an abort) propagate.
 * A consumer that stops early cancels the stream, which closes the connection.
 */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    ended = true;
    yield* parser.push(decoder.decode());
  } finally {
    if (!ended) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
