import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in kubesim API for the CLI's tests: loopback only, records every
 * request, answers what each test set up and 404s (in the API's error shape)
 * the rest.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** parsed JSON, or undefined without a body */
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
}

/** A function may answer on `res` itself (a stream, or never) by returning nothing. */
export type Route = Reply | ((req: RecordedRequest, res: ServerResponse) => Reply | void);

export class FakeKubesim {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Route>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeKubesim> {
    // eslint-disable-next-line prefer-const -- the handler above the assignment closes over it
    let fake: FakeKubesim | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () =>
        fake?.handle(req.method ?? 'GET', req.url ?? '/', req.headers, chunks, res),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeKubesim(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  /** Answers `method path` (path without the query) with `route`. */
  on(method: string, path: string, route: Route): this {
    this.routes.set(`${method} ${path}`, route);
    return this;
  }

  /** The requests other than `method path` filtered out. */
  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    chunks: Buffer[],
    res: ServerResponse,
  ): void {
    const url = new URL(rawUrl, 'http://fake');
    const text = Buffer.concat(chunks).toString('utf8');
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: text === '' ? undefined : JSON.parse(text),
    };
    this.requests.push(recorded);
    const route = this.routes.get(`${method} ${url.pathname}`);
    const reply =
      route === undefined
        ? {
            status: 404,
            body: {
              statusCode: 404,
              error: 'Not Found',
              message: `Cannot ${method} ${url.pathname}`,
            },
          }
        : typeof route === 'function'
          ? route(recorded, res)
          : route;
    if (!reply) return;
    const status = reply.status ?? 200;
    if (reply.body === undefined) {
      res.writeHead(status).end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body));
  }
}

/** A port nothing listens on: bound once, then released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
