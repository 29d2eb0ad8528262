import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { buildOpenApiDocument } from './bootstrap';
import { loadConfig } from './config/app-config';

/** Sorts object keys recursively so the committed document changes only when the API does. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * The OpenAPI document as text, built without a database: preview mode wires the
 * modules and reads their decorators without starting any provider.
 */
export async function renderOpenApi(): Promise<string> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(loadConfig({}), 'postgres://preview@127.0.0.1/preview'),
    new FastifyAdapter(),
    { preview: true, logger: false, abortOnError: false },
  );
  const document = buildOpenApiDocument(app);
  await app.close();
  return `${JSON.stringify(sortKeys(document), null, 2)}\n`;
}
