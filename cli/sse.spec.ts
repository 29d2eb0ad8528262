import { readSse, SseParser } from './sse';

describe('SseParser', () => {
  it('reads named events, unnamed ones and multi-line data; skips comments', () => {
    const parser = new SseParser();

    const messages = parser.push(
      ': keep-alive\n\nevent: event\ndata: {"id":1}\n\ndata: first\ndata: second\nid: 7\n\n',
    );

    expect(messages).toEqual([
      { event: 'event', data: '{"id":1}' },
      { event: 'message', data: 'first\nsecond', id: '7' },
    ]);
  });

  it('completes a message only at its blank line, however the text is cut', () => {
    const text = 'event: heartbeat\r\ndata: {"node_id":1}\r\n\r\nevent: event\rdata:x\r\r';
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();

      const messages = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];

      expect(messages).toEqual([
        { event: 'heartbeat', data: '{"node_id":1}' },
        { event: 'event', data: 'x' },
      ]);
    }
  });

  it('drops a message without data and forgets the name after each message', () => {
    const parser = new SseParser();

    expect(parser.push('event: ping\n\ndata: a\n\n')).toEqual([{ event: 'message', data: 'a' }]);
  });
});

describe('readSse', () => {
  it('decodes a byte stream, a UTF-8 character split across chunks included', async () => {
    const bytes = new TextEncoder().encode('event: event\ndata: café\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside "é"
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, cut));
        controller.enqueue(bytes.slice(cut));
        controller.close();
      },
    });

    const messages = [];
    for await (const message of readSse(body)) messages.push(message);

    expect(messages).toEqual([{ event: 'event', data: 'café' }]);
  });
});
