import { SseMessage, SseParser } from '../../cli/sse';
import { TestApp } from './test-app';

/** An open /events/stream: the messages parsed so far, and a way to close it. */
export async function openStream(
  t: TestApp,
  headers: Record<string, string> = {},
): Promise<{ status: number; messages: SseMessage[]; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(`${t.baseUrl}/events/stream`, { headers, signal: abort.signal });
  const messages: SseMessage[] = [];
  if (res.ok) {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = res.body!.getReader();
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          messages.push(...parser.push(decoder.decode(value, { stream: true })));
        }
      } catch {
        // closed by the test
      }
    })();
  }
  return { status: res.status, messages, close: () => abort.abort() };
}
