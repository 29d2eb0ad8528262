import { Controller, Get, Inject, Param, Query, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsageService } from '../usage/usage.service';
import { KubeNodesService } from './kube-nodes.service';
import { KubePodsService } from './kube-pods.service';
import {
  METRICS_API_GROUP,
  METRICS_GROUP_VERSION,
  METRICS_RESOURCES,
  metricsList,
  toNodeMetrics,
  toPodMetrics,
} from './kube-metrics';
import { KubeQuery } from './kube-list';
import { KubeError, KubeStatusFilter } from './kube-status';

const options = (q: KubeQuery) => ({
  labelSelector: q.labelSelector,
  fieldSelector: q.fieldSelector,
});

/**
 * metrics.k8s.io/v1beta1 (NodeMetrics, PodMetrics), read from the use agents report with
 * their heartbeats: `kubectl top nodes` and `kubectl top pods` show what `GET /nodes/:id/usage`
 * and `GET /pods/:id/usage` show. Only recent samples count (within the failure timeout), as
 * metrics-server leaves out what it could not scrape.
 */
@ApiExcludeController()
@UseFilters(KubeStatusFilter)
@Controller('apis/metrics.k8s.io')
export class KubeMetricsController {
  constructor(
    private readonly kubeNodes: KubeNodesService,
    private readonly kubePods: KubePodsService,
    private readonly usage: UsageService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  getMetricsGroup() {
    return { kind: 'APIGroup', apiVersion: 'v1', ...METRICS_API_GROUP };
  }

  @Get('v1beta1')
  getMetricsV1beta1Resources() {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: METRICS_GROUP_VERSION,
      resources: METRICS_RESOURCES,
    };
  }

  @Get('v1beta1/nodes')
  async listNodeMetrics(@Query() q: KubeQuery) {
    const items = [];
    for (const node of await this.kubeNodes.listNodes(options(q))) {
      const metrics = this.nodeMetrics(node);
      if (metrics) items.push(metrics);
    }
    return metricsList('NodeMetricsList', items);
  }

  @Get('v1beta1/nodes/:name')
  async getNodeMetrics(@Param('name') name: string) {
    const metrics = this.nodeMetrics(await this.kubeNodes.getNode(name));
    if (!metrics) throw KubeError.notFound('nodes.metrics.k8s.io', name);
    return metrics;
  }

  @Get('v1beta1/pods')
  listAllPodMetrics(@Query() q: KubeQuery) {
    return this.listPods(null, q);
  }

  @Get('v1beta1/namespaces/:namespace/pods')
  listPodMetrics(@Param('namespace') namespace: string, @Query() q: KubeQuery) {
    return this.listPods(namespace, q);
  }

  @Get('v1beta1/namespaces/:namespace/pods/:name')
  async getPodMetrics(@Param('namespace') namespace: string, @Param('name') name: string) {
    const metrics = this.podMetrics(await this.kubePods.getPod(namespace, name));
    if (!metrics) throw KubeError.notFound('pods.metrics.k8s.io', name);
    return metrics;
  }

  private async listPods(namespace: string | null, q: KubeQuery) {
    const items = [];
    for (const pod of await this.kubePods.listPods(namespace, options(q))) {
      const metrics = this.podMetrics(pod);
      if (metrics) items.push(metrics);
    }
    return metricsList('PodMetricsList', items);
  }

  private nodeMetrics(node: Awaited<ReturnType<KubeNodesService['getNode']>>) {
    const id = Number(node.metadata?.annotations?.['kubesim.io/node-id']);
    const point = this.usage.latestNode(id);
    return point ? toNodeMetrics(node, point, this.config.heartbeatIntervalMs) : null;
  }

  private podMetrics(pod: Awaited<ReturnType<KubePodsService['getPod']>>) {
    if (pod.status?.phase !== 'Running') return null;
    const id = Number(pod.metadata?.annotations?.['kubesim.io/pod-id']);
    const latest = this.usage.latestPod(id);
    return latest ? toPodMetrics(pod, latest, this.config.heartbeatIntervalMs) : null;
  }
}
