import { Agent, request as httpRequest } from 'node:http';

// A raw HTTP client for fuzzing: bodies as exact text, paths exactly as written.

const REQUEST_TIMEOUT_MS = 15_000;

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

export const agent = new Agent({ keepAlive: true, maxSockets: 8 });

export function send(
  baseUrl: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string | undefined> = {},
): Promise<Answer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        agent,
        // every write says JSON, body or not, as kubesim's clients do; a header given as
        // undefined is left out (a write with no Content-Type at all)
        headers: Object.fromEntries(
          Object.entries({
            ...(method !== 'GET' ? { 'content-type': 'application/json' } : {}),
            ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
            ...headers,
          }).filter(([, v]) => v !== undefined),
        ),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          try {
            json = JSON.parse(text);
          } catch {
            /* checked by the caller */
          }
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text,
            json,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms (a hung request)`)),
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
