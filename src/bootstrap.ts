import { INestApplication, Logger, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { buildKubernetesApiDocument } from './kube-api/kube-api-document';
import helmet from 'helmet';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { DatabaseHealth } from './database/database-health';
import { ConnectionDrainer } from './common/connection-drainer';
import { documentRequestGuards, swaggerRequestInterceptor } from './common/api-docs';
import { errorBody } from './common/http-exception.filter';
import { projectRoot } from './common/project-root';
import { FieldValidationPipe } from './common/validation-pipe';
import { HeartbeatDto } from './nodes/dto/heartbeat.dto';
import { plainHeartbeat } from './nodes/dto/heartbeat-fast-check';
import { JSON_BODY, registerRequestGuards } from './common/request-guards';
import { heartbeatAuthHook } from './nodes/heartbeat-auth.hook';
import { HeartbeatTokenAuth } from './nodes/heartbeat-token-auth';

const LOG_LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/** No request body kubesim takes nests deeper than a few levels. */
const MAX_JSON_DEPTH = 32;

/** Walks a parsed body without recursion (a deep one must not blow the stack). */
function tooDeep(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(item as object)) stack.push([child, depth + 1]);
  }
  return false;
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('kubesim')
    .setDescription(
      'A Kubernetes-like cluster simulator: register nodes (real agents that heartbeat), create pods, ' +
        'and watch the control plane notice a dead node and move its pods.',
    )
    .setVersion('0.1.0')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description: 'KUBESIM_API_TOKEN, when the server sets one',
      },
      'api-token',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'opaque',
        description: 'the heartbeat_token a node got at registration: an opaque kshb_… string',
      },
      'heartbeat-token',
    )
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
  return documentRequestGuards(document);
}

/**
 * A request Node's HTTP parser refuses (a URL or headers over 16 KB, a broken request
 * line) gets a JSON answer and a graceful close: the rest of what the client is still
 * sending is read and dropped, so the close is never a reset that hides the answer.
 */
function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const message =
    status === 431
      ? 'request line or headers larger than 16 KB'
      : status === 408
        ? 'the request took too long to arrive'
        : 'malformed HTTP request';
  const body = JSON.stringify(errorBody(status, message));
  if (socket.writable) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.resume();
  setTimeout(() => socket.destroy(), 2000).unref();
}

/**
 * Slow clients: headers and the whole request must arrive in time (Node answers 408
 * through clientErrorHandler). Only the reading is limited: an answer may take long (the
 * live stream, an agent's watch). Node checks the limits at this interval.
 */
function readTimeouts(config: AppConfig) {
  return {
    requestTimeout: config.requestReadTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 4)),
    },
  };
}

/** The Fastify adapter, with Express's forgiving routing (trailing slash, any case). */
function fastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    ...readTimeouts(config),
    bodyLimit: config.bodyLimitBytes,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 16384 },
    // a URL the router cannot decode (`/nodes/%E0%A4%A`) is the client's mistake
    frameworkErrors: (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      void reply.code(400).send(errorBody(400, err.message || 'malformed request'));
    },
  });
}

/**
 * JSON bodies: Fastify's own parser (which refuses prototype poisoning), an empty body
 * read as none (as Express did), and no nesting deeper than any kubesim body needs.
 */
function jsonParser(fastify: FastifyInstance) {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  return (
    req: FastifyRequest,
    text: string | Buffer,
    done: (err: Error | null, body?: unknown) => void,
  ) => {
    if (text.length === 0) return done(null, undefined);
    parse(req, text as string, (err: Error | null, body?: unknown) => {
      if (err) return done(badRequest(`malformed JSON: ${err.message}`));
      if (tooDeep(body, MAX_JSON_DEPTH))
        return done(badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
      done(null, body);
    });
  };
}

function badRequest(message: string): Error {
  return Object.assign(new Error(message), { statusCode: 400 });
}

/**
 * A heartbeat's token is checked before its body is read. The size of its throttle is
 * published on the Fastify instance (`heartbeatThrottleSize()`) so tests can see it stay bounded.
 */
function registerHeartbeatAuth(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const hook = heartbeatAuthHook(app.get(HeartbeatTokenAuth), app.get(DatabaseHealth));
  fastify.decorate('heartbeatThrottleSize', hook.throttleSize);
  fastify.addHook('onRequest', hook);
}

const REFUSED = Symbol('kubesim.refusedConnection');

/**
 * Caps open connections in total and per client address, so one client cannot hold every
 * socket. A connection over a cap is answered 503 and closed; any request that still
 * arrives on it is not run.
 */
function limitConnections(fastify: FastifyInstance, config: AppConfig): void {
  const perClient = new Map<string, number>();
  let total = 0;
  fastify.server.prependListener('connection', (socket: Socket) => {
    const client = socket.remoteAddress ?? '?';
    const mine = perClient.get(client) ?? 0;
    if (total >= config.maxConnections || mine >= config.maxConnectionsPerClient) {
      (socket as Socket & { [REFUSED]?: boolean })[REFUSED] = true;
      const message =
        total >= config.maxConnections
          ? `kubesim holds its limit of ${config.maxConnections} connections; try again shortly`
          : `too many connections from this client (at most ${config.maxConnectionsPerClient})`;
      const body = JSON.stringify(errorBody(503, message));
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    total++;
    perClient.set(client, mine + 1);
    socket.once('close', () => {
      total--;
      const left = (perClient.get(client) ?? 1) - 1;
      if (left > 0) perClient.set(client, left);
      else perClient.delete(client);
    });
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    if ((req.raw.socket as Socket & { [REFUSED]?: boolean })[REFUSED]) {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    done();
  });
}

/** Everything around the Nest modules, shared by main.ts and the system tests. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const root = projectRoot();
  const fastify = app.getHttpAdapter().getInstance();
  limitConnections(fastify, config);
  // JSON alone: a text/plain or form body is refused (415), never read as an empty object
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_BODY, { parseAs: 'string' }, jsonParser(fastify));

  // helmet's headers, its middleware built once (@fastify/helmet rebuilds it per request)
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
  });
  fastify.addHook('onRequest', (req, reply, done) =>
    securityHeaders(req.raw, reply.raw, (err) => done(err as Error | undefined)),
  );
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins });
  registerRequestGuards(fastify, config);

  fastify.addHook('onRequest', app.get(ConnectionDrainer).hook);

  // no request hangs: past the limit the client gets a 503 (the live stream excepted)
  fastify.addHook('onRequest', (req, reply, done) => {
    // the live stream is endless and an agent's watch bounds itself (at most 30 s)
    const route = req.routeOptions.url;
    if (route === '/events/stream' || route === '/nodes/:id/watch') return done();
    const timer = setTimeout(() => {
      if (!reply.sent)
        void reply.code(503).send(errorBody(503, 'the request took too long; try again'));
    }, config.requestTimeoutMs);
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });

  registerHeartbeatAuth(app);

  app.useGlobalPipes(
    new FieldValidationPipe(
      { whitelist: true, forbidNonWhitelisted: true, transform: true },
      // the agents' routine beats skip class-validator (a tenth of a beat's cost)
      new Map([[HeartbeatDto, plainHeartbeat]]),
    ),
  );

  // the Kubernetes API's paths as a second definition of /docs, read from the server's own
  // discovery when asked (with the server's token: the paths are no secret, the objects are)
  fastify.get('/docs/kubernetes-json', async (req, reply) => {
    const read = async (url: string) => {
      const res = await fastify.inject({
        method: 'GET',
        url,
        headers: {
          host: req.headers.host ?? '127.0.0.1',
          accept: 'application/json',
          ...(config.apiToken ? { authorization: `Bearer ${config.apiToken}` } : {}),
        },
      });
      if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
      return res.json() as unknown;
    };
    return reply.send(await buildKubernetesApiDocument(read));
  });
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    explorer: true,
    swaggerOptions: {
      persistAuthorization: true,
      requestInterceptor: swaggerRequestInterceptor,
      urls: [
        { url: '/docs-json', name: 'kubesim' },
        { url: '/docs/kubernetes-json', name: 'Kubernetes API (kubectl, client libraries)' },
      ],
    },
  });

  // the dashboard and its one vendored library, served as plain files
  app.useStaticAssets({
    root: join(root, 'web'),
    prefix: '/',
    index: 'index.html',
    // the page, its modules and styles; not the type declarations and config its check reads
    allowedPath: (path: string) => !/(\.d\.ts|\.json)$/.test(path),
  });
  app.useStaticAssets({
    root: join(root, 'node_modules', 'chart.js', 'dist'),
    prefix: '/vendor/',
    decorateReply: false,
  });
}

export async function createApp(
  config: AppConfig,
  databaseUrl: string,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, databaseUrl),
    fastifyAdapter(config),
    {
      bodyParser: false,
      logger: LOG_LEVELS[config.logLevel],
    },
  );
  await configureApp(app, config);
  return app;
}

export const bootLogger = new Logger('kubesim');

const LOOPBACK_HOST = /^(127(\.\d{1,3}){3}|::1|localhost)$/i;

/**
 * The start-up line says where kubesim listens; beyond loopback with no API token anyone
 * who reaches the port can change the cluster, which deserves a warning.
 */
export function announceListening(config: AppConfig, logger: Logger = bootLogger): void {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.log(`kubesim listening on http://${host}:${config.port} (dashboard /, Swagger UI /docs)`);
  if (!LOOPBACK_HOST.test(config.host) && !config.apiToken) {
    logger.warn(
      `HOST=${config.host} accepts connections from other machines and KUBESIM_API_TOKEN is not set: ` +
        'anyone who can reach this port can change the cluster',
    );
  }
}
