import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { NodesModule } from '../nodes/nodes.module';
import { PodsModule } from '../pods/pods.module';
import { KubeApiService } from './kube-api.service';
import { KubeCoreController } from './kube-core.controller';
import { KubeDiscoveryController } from './kube-discovery.controller';

/** The patch types kubectl sends; their bodies are JSON like any other. */
export const PATCH_CONTENT_TYPES = [
  'application/strategic-merge-patch+json',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
];

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * The Kubernetes API (`/version`, `/api`, `/apis`): kubectl and the client libraries
 * drive kubesim's nodes and pods, translated from and to Kubernetes objects.
 */
@Module({
  imports: [NodesModule, PodsModule],
  controllers: [KubeDiscoveryController, KubeCoreController],
  providers: [KubeApiService],
})
export class KubeApiModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addContentTypeParser) return;
    const json = fastify.getDefaultJsonParser('error', 'error');
    for (const type of PATCH_CONTENT_TYPES.slice(0, 3)) {
      if (!fastify.hasContentTypeParser(type))
        fastify.addContentTypeParser(type, { parseAs: 'string' }, json);
    }
    // kubectl's typed clients send protobuf: read as bytes, so the handler can answer 415 as a Status
    if (!fastify.hasContentTypeParser(PROTOBUF))
      fastify.addContentTypeParser(PROTOBUF, { parseAs: 'buffer' }, (_req, body, done) =>
        done(null, body),
      );
  }
}
