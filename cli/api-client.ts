import type { ApiErrorBody } from './api-types';
import { ApiError, InterruptedError, UnreachableError } from './errors';

export interface ApiClientOptions {
  /** base URL without a trailing slash */
  server: string;
  token?: string;
  /** how long one request may take, connecting included */
  timeoutMs: number;
  /** aborted on Ctrl-C */
  signal?: AbortSignal;
}

export type Query = Record<string, string | number | undefined>;

export interface ApiResponse<T> {
  status: number;
  /** undefined for an empty body (204) */
  body: T | undefined;
}

/**
 * A thin fetch wrapper: JSON in and out, the bearer token on every call, a
 * timeout, and the API's failures turned into ApiError (it answered) or
 * UnreachableError (it did not, or not in time).
 */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get server(): string {
    return this.options.server;
  }

  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request<T>('GET', path, { query })).body as T;
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('POST', path, { body })).body as T;
  }

  async put<T>(path: string, body?: unknown): Promise<T> {
    return (await this.request<T>('PUT', path, { body })).body as T;
  }

  async delete<T>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  /** A PATCH in the given patch type (`application/merge-patch+json`, …). */
  async patch<T>(path: string, body: unknown, contentType: string): Promise<T> {
    return (await this.request<T>('PATCH', path, { body, contentType })).body as T;
  }

  async request<T>(
    method: string,
    path: string,
    init: { query?: Query; body?: unknown; contentType?: string } = {},
  ): Promise<ApiResponse<T>> {
    const signal = this.withTimeout(AbortSignal.timeout(this.options.timeoutMs));
    // the API takes JSON on every change, even one without fields: `{}` then
    const body = init.body ?? (method === 'GET' || method === 'HEAD' ? undefined : {});
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.url(path, init.query), {
        method,
        headers: {
          ...this.headers(body !== undefined),
          ...(init.contentType ? { 'Content-Type': init.contentType } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch {
      throw this.transportError();
    }
    const answer = parseJson(text);
    if (!response.ok) throw this.apiError(response, answer);
    return { status: response.status, body: answer as T | undefined };
  }

  /**
   * Opens a long-lived GET (server-sent events). The timeout covers only the
   * wait for the response headers; the body then flows until it ends, Ctrl-C,
   * or `stream.signal` aborts. `lastEventId` asks the server to replay what came after it.
   */
  async openStream(
    path: string,
    stream: { lastEventId?: string; signal?: AbortSignal } = {},
  ): Promise<ReadableStream<Uint8Array>> {
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(), this.options.timeoutMs);
    const headers: Record<string, string> = {
      ...this.headers(false),
      Accept: 'text/event-stream',
    };
    if (stream.lastEventId !== undefined) headers['Last-Event-ID'] = stream.lastEventId;
    // the connect timeout ends with the headers; the caller's own signal stays on the body
    const connectSignal = stream.signal
      ? AbortSignal.any([stream.signal, connect.signal])
      : connect.signal;
    try {
      const response = await fetch(this.url(path), {
        headers,
        signal: this.withTimeout(connectSignal),
      });
      if (!response.ok) throw this.apiError(response, parseJson(await response.text()));
      if (!response.body) throw new UnreachableError(this.server);
      return response.body;
    } catch (err) {
      if (err instanceof ApiError || err instanceof UnreachableError) throw err;
      throw this.transportError();
    } finally {
      clearTimeout(timer);
    }
  }

  /** A request that got no answer: Ctrl-C, or a server down or too slow. */
  private transportError(): InterruptedError | UnreachableError {
    return this.options.signal?.aborted
      ? new InterruptedError()
      : new UnreachableError(this.server);
  }

  private withTimeout(timeout: AbortSignal): AbortSignal {
    return this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
  }

  private url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.server}${path}${search ? `?${search}` : ''}`;
  }

  private headers(write: boolean): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (write) headers['Content-Type'] = 'application/json';
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  private apiError(response: Response, body: unknown): ApiError {
    let message = errorMessage(body) ?? `HTTP ${response.status} ${response.statusText}`.trim();
    if (response.status === 401 && !this.options.token) {
      message += ' (pass --token or set KUBESIM_API_TOKEN)';
    }
    return new ApiError(response.status, message);
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The API's `message`, a string or a list of them (one per invalid field). */
function errorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const { message, error } = body as ApiErrorBody;
  if (Array.isArray(message) && message.length > 0) return message.join('; ');
  if (typeof message === 'string' && message !== '') return message;
  return typeof error === 'string' ? error : undefined;
}

/** Path segment for an id or a name typed by the user. */
export function segment(idOrName: string | number): string {
  return encodeURIComponent(String(idOrName));
}
