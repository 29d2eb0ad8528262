import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { NextFunction, Request, Response } from 'express';
import { Server } from 'node:http';

/**
 * On shutdown, asks every client to close its connection after its current request,
 * so keep-alive clients (agents) do not send new requests into a closing server.
 */
@Injectable()
export class ConnectionDrainer implements BeforeApplicationShutdown {
  private static draining = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  static middleware(_req: Request, res: Response, next: NextFunction): void {
    if (ConnectionDrainer.draining) res.setHeader('Connection', 'close');
    next();
  }

  beforeApplicationShutdown(): void {
    ConnectionDrainer.draining = true;
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.closeIdleConnections?.();
  }
}
