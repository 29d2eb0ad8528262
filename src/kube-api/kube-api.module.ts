import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { NetworkModule } from '../network/network.module';
import { NodesModule } from '../nodes/nodes.module';
import { PodsModule } from '../pods/pods.module';
import { WorkloadsModule } from '../workloads/workloads.module';
import { KubeContextService } from './kube-context.service';
import { KubeEventsService } from './kube-events.service';
import { KubeNamespacesService } from './kube-namespaces.service';
import { KubeNodesService } from './kube-nodes.service';
import { KubePodsService } from './kube-pods.service';
import { KubeAppsController, KubeBatchController } from './kube-apps.controller';
import { KubeAppsService } from './kube-apps.service';
import { KubeCoreController } from './kube-core.controller';
import { KubeCoreEventsController } from './kube-core-events.controller';
import { KubeNamespacesController } from './kube-namespaces.controller';
import { KubeNodesController } from './kube-nodes.controller';
import { KubePodsController } from './kube-pods.controller';
import { KubeDiscoveryController } from './kube-discovery.controller';
import { KubeEventsController } from './kube-events.controller';
import { KubeAutoscalingController } from './kube-autoscaling.controller';
import { KubeMetricsController } from './kube-metrics.controller';
import { KubeNetworkController } from './kube-network.controller';
import { KubeEndpointsService } from './kube-endpoints.service';
import { KubeNetworkPoliciesService } from './kube-network-policies.service';
import { KubeServicesService } from './kube-services.service';

export const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * The Kubernetes API (`/version`, `/api`, `/apis`): kubectl and the client libraries
 * drive kubesim's nodes and pods, translated from and to Kubernetes objects.
 */
@Module({
  imports: [NodesModule, PodsModule, WorkloadsModule, NetworkModule],
  controllers: [
    KubeDiscoveryController,
    KubeNodesController,
    KubePodsController,
    KubeNamespacesController,
    KubeCoreEventsController,
    KubeAppsController,
    KubeBatchController,
    KubeNetworkController,
    KubeMetricsController,
    KubeAutoscalingController,
    KubeEventsController,
    // last: the core group's paths no controller above serves
    KubeCoreController,
  ],
  providers: [
    KubeContextService,
    KubeNodesService,
    KubePodsService,
    KubeNamespacesService,
    KubeEventsService,
    KubeAppsService,
    KubeServicesService,
    KubeEndpointsService,
    KubeNetworkPoliciesService,
  ],
})
export class KubeApiModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addContentTypeParser) return;
    // the patch types (application/*+json) are read by the app's own JSON parser (bootstrap)
    // kubectl's typed clients send protobuf: read as bytes, so the handler can answer 415 as a Status
    if (!fastify.hasContentTypeParser(PROTOBUF))
      fastify.addContentTypeParser(PROTOBUF, { parseAs: 'buffer' }, (_req, body, done) =>
        done(null, body),
      );
  }
}
