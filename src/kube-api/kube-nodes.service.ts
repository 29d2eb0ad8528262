import { Injectable } from '@nestjs/common';
import type { V1Node } from '@kubernetes/client-node';
import { NodesRepository } from '../database/nodes.repository';
import { NodesService } from '../nodes/nodes.service';
import { parseTaints } from '../scheduler/strategies/taints';
import { Taint } from '../scheduler/strategies/types';
import { KubeContextService } from './kube-context.service';
import { KubeError } from './kube-status';
import { ListOptions, listMatcher } from './list-filter';
import { nodeChangeFromPatch, nodeRefusal } from './node-patch';
import { STATE_TAINT_KEYS, toKubeNode } from './node-object';
import { Cause } from './pod-manifest';
import { checkReplaceBody, sameJson } from './replace-body';

const NODE_FIELDS = ['metadata.name', 'spec.unschedulable'] as const;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Nodes through the Kubernetes API: kubesim's nodes as v1 Nodes, and the changes kubectl makes to them. */
@Injectable()
export class KubeNodesService {
  constructor(
    private readonly nodesRepository: NodesRepository,
    private readonly nodes: NodesService,
    private readonly kube: KubeContextService,
  ) {}

  async listNodes(options: ListOptions): Promise<V1Node[]> {
    const ctx = await this.kube.kubeContext();
    const match = listMatcher(options, NODE_FIELDS);
    return (await this.nodesRepository.allNodes())
      .map((n) => toKubeNode(ctx, n))
      .filter((n) =>
        match(n.metadata!.labels ?? {}, {
          'metadata.name': n.metadata!.name,
          'spec.unschedulable': String(n.spec?.unschedulable ?? false),
        }),
      );
  }

  async getNode(name: string): Promise<V1Node> {
    const node = await this.nodesRepository.findNode(name);
    if (!node || node.name !== name) throw KubeError.notFound('nodes', name);
    return toKubeNode(await this.kube.kubeContext(), node);
  }

  /**
   * The changes kubesim takes on a node through this API: spec.unschedulable (`kubectl
   * cordon`/`uncordon`) and spec.taints (`kubectl taint`), in any patch type. The taints
   * kubesim shows for a node's state (cordoned, master, not ready) are not stored.
   */
  async patchNode(name: string, contentType: string, patch: unknown): Promise<V1Node> {
    const current = await this.getNode(name);
    const change = nodeChangeFromPatch(contentType, patch, current);
    let taints: Taint[] | undefined;
    if (change.taints !== undefined) {
      const causes: Cause[] = [];
      taints = parseTaints(change.taints, 'spec.taints', causes).filter(
        (t) => !STATE_TAINT_KEYS.includes(t.key),
      );
      if (causes.length) throw KubeError.invalid('Node', name, causes);
    }
    if (
      change.unschedulable !== undefined &&
      change.unschedulable !== !!current.spec?.unschedulable
    ) {
      await this.nodes.setCordoned(name, change.unschedulable);
    }
    if (taints) await this.nodes.setTaints(name, taints);
    return this.getNode(name);
  }

  /**
   * `kubectl replace` of a node: what a patch may change (spec.unschedulable, spec.taints)
   * taken from the whole object; a change to anything else is refused as a patch of it is.
   */
  async replaceNode(name: string, given: unknown): Promise<V1Node> {
    const current = await this.getNode(name);
    const body = checkReplaceBody(given, {
      kind: 'Node',
      resource: 'nodes',
      name,
      namespace: '',
      resourceVersion: current.metadata!.resourceVersion!,
    });
    const meta = body.metadata as Record<string, unknown>;
    const spec = (isObject(body.spec) ? body.spec : {}) as Record<string, unknown>;
    const was = (current.spec ?? {}) as Record<string, unknown>;
    const changed = [
      ...(['labels', 'annotations'] as const)
        .filter((k) => !sameJson(meta[k], current.metadata?.[k]))
        .map((k) => `metadata.${k}`),
      ...Object.keys({ ...spec, ...was })
        .filter((k) => k !== 'unschedulable' && k !== 'taints' && !sameJson(spec[k], was[k]))
        .map((k) => `spec.${k}`),
    ];
    // the same refusal a patch of that field meets
    if (changed.length) throw nodeRefusal(name, changed[0]);
    return this.patchNode(name, 'application/merge-patch+json', {
      spec: { unschedulable: spec.unschedulable ?? false, taints: spec.taints ?? [] },
    });
  }

  async deleteNode(name: string): Promise<V1Node> {
    const node = await this.getNode(name);
    await this.nodes.deleteNode(name);
    return node;
  }
}
