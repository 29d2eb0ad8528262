/**
 * A small JSON client over node:http with keep-alive: what the bench's own requests
 * (set-up, polling, checks) go through. The measured load goes through autocannon.
 */
import * as http from 'node:http';

export interface ApiResponse<T> {
  status: number;
  body: T;
  /** wall time of the round trip */
  ms: number;
  /** when the answer was complete (Date.now()) */
  at: number;
}

export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    const detail = typeof body === 'string' ? body : JSON.stringify(body);
    super(`${method} ${path} answered ${status}: ${String(detail).slice(0, 300)}`);
  }
}

export class Api {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
  private readonly target: URL;

  constructor(
    readonly baseUrl: string,
    private readonly timeoutMs = 30_000,
  ) {
    this.target = new URL(baseUrl);
  }

  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method,
          path,
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: {
            accept: 'application/json',
            // every write says JSON, body or not: the API refuses others (415)
            ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
            ...(payload === undefined
              ? {}
              : { 'content-length': String(Buffer.byteLength(payload)) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json') && text) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({
              status: res.statusCode ?? 0,
              body: parsed as T,
              ms: performance.now() - started,
              at: Date.now(),
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in time`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** 503s answered to the bench's own set-up and check requests (each retried) */
  retried503 = 0;

  /**
   * The request, which must answer `expected` (default 200 for GET, 201 for POST). A 503
   * ("try again shortly") is retried up to 3 times and counted: set-up and checks are not
   * what is measured, but how often the server said so is reported.
   */
  async call<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: { expect?: number | number[]; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const expected = options.expect ?? (method === 'POST' ? [200, 201] : 200);
    for (let attempt = 1; ; attempt++) {
      const res = await this.request<T>(method, path, body, options.headers);
      const ok = Array.isArray(expected) ? expected.includes(res.status) : res.status === expected;
      if (ok) return res.body;
      if (res.status === 503 && attempt <= 3) {
        this.retried503++;
        await new Promise((r) => setTimeout(r, 1000 * attempt));
        continue;
      }
      throw new ApiError(method, path, res.status, res.body);
    }
  }

  get<T = any>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  close(): void {
    this.agent.destroy();
  }
}
