import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { Server } from 'node:http';

/**
 * On shutdown, asks every client to close its connection after its current request,
 * so keep-alive clients (agents) do not send new requests into a closing server.
 */
@Injectable()
export class ConnectionDrainer implements BeforeApplicationShutdown {
  private draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** One app's own flag: another app in the same process (a test) is not draining. */
  readonly hook = (_req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (this.draining) reply.header('connection', 'close');
    done();
  };

  beforeApplicationShutdown(): void {
    this.draining = true;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.closeIdleConnections?.();
  }
}
