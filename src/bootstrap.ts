import { INestApplication, Logger, LogLevel, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import express, { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { join } from 'node:path';
import { AppModule } from './app.module';
import { AppConfig } from './config/app-config';
import { ConnectionDrainer } from './common/connection-drainer';
import { errorBody } from './common/http-exception.filter';
import { projectRoot } from './common/project-root';
import { heartbeatAuthMiddleware } from './nodes/heartbeat-auth.middleware';
import { HeartbeatService } from './nodes/heartbeat.service';

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
        description: 'KUBESIM_API_TOKEN, when the server sets one',
      },
      'api-token',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'the heartbeat_token a node got at registration',
      },
      'heartbeat-token',
    )
    .build();
  return SwaggerModule.createDocument(app, config, {
    operationIdFactory: (_controllerKey: string, methodKey: string) => methodKey,
  });
}

/** Everything around the Nest modules, shared by main.ts and the system tests. */
export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  const root = projectRoot();
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", "'unsafe-inline'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
        },
      },
    }),
  );
  if (config.corsOrigins.length) app.enableCors({ origin: config.corsOrigins });

  app.use(app.get(ConnectionDrainer).middleware);

  // no request hangs: past the limit the client gets a 503 (the live stream excepted)
  app.use((req: Request, res: Response, next: NextFunction) => {
    // the live stream is endless and an agent's watch bounds itself (at most 30 s)
    if (req.path === '/events/stream' || req.path.endsWith('/watch')) return next();
    const timer = setTimeout(() => {
      if (!res.headersSent)
        res.status(503).json(errorBody(503, 'the request took too long; try again'));
    }, config.requestTimeoutMs);
    res.on('close', () => clearTimeout(timer));
    res.on('finish', () => clearTimeout(timer));
    next();
  });

  // a heartbeat's token is checked before its body is read
  app.use(heartbeatAuthMiddleware(app.get(HeartbeatService)));
  const json = express.json({ limit: config.bodyLimit });
  app.use((req: Request, res: Response, next: NextFunction) =>
    json(req, res, (err?: { type?: string; message?: string }) => {
      if (!err) {
        if (tooDeep(req.body, MAX_JSON_DEPTH)) {
          return res
            .status(400)
            .json(errorBody(400, `JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
        }
        return next();
      }
      if (err.type === 'entity.too.large') {
        return res.status(413).json(errorBody(413, `request body larger than ${config.bodyLimit}`));
      }
      if (err.type === 'entity.parse.failed') {
        return res.status(400).json(errorBody(400, `malformed JSON: ${err.message}`));
      }
      return res.status(400).json(errorBody(400, err.message ?? 'unreadable request body'));
    }),
  );

  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });

  // the dashboard and its one vendored library, served as plain files
  app.useStaticAssets(join(root, 'web'), { index: 'index.html' });
  app.useStaticAssets(join(root, 'node_modules', 'chart.js', 'dist'), { prefix: '/vendor/' });
}

export async function createApp(
  config: AppConfig,
  databaseUrl: string,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot(config, databaseUrl),
    {
      bodyParser: false,
      logger: LOG_LEVELS[config.logLevel],
    },
  );
  configureApp(app, config);
  return app;
}

export const bootLogger = new Logger('kubesim');
