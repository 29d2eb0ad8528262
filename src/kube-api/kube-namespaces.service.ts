import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import { ConflictError, NotFoundError } from '../common/errors';
import {
  NamespaceRecord,
  NamespacesRepository,
  SYSTEM_NAMESPACES,
} from '../database/namespaces.repository';
import { PodsService } from '../pods/pods.service';
import { fieldValidation } from './field-validation';
import { KubeError } from './kube-status';
import { ListOptions, listMatcher } from './list-filter';
import { patchMetadata } from './metadata-patch';
import { namespaceManifest } from './namespace-manifest';
import { toKubeNamespace } from './namespace-object';
import { Cause, checkMetadataMaps } from './pod-manifest';
import { checkReplaceBody } from './replace-body';

const NAMESPACE_FIELDS = ['metadata.name', 'status.phase'] as const;

/** How long a namespace's deletion waits before it tries again after a failure. */
const NAMESPACE_RETRY_MS = 2000;
/**
 * How long a deleted namespace is Terminating at least. A watch reads its list again on
 * news and each second, and kubesim keeps no log of changes: a namespace gone sooner could
 * go from Active to deleted in the watches (`kubectl get ns -w`) without Terminating between.
 */
const TERMINATING_SHOWN_MS = 1500;
/**
 * How long a DELETE waits for its namespace to empty before answering. A client that waits
 * for the deletion (kubectl delete, which lists the namespace and then watches it) then finds
 * a small namespace already gone: kubesim keeps no change log, so a watch that starts after
 * the namespace went could not tell it a DELETED.
 */
const QUICK_DELETE_MS = 2000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Namespaces through the Kubernetes API; deleting one marks it Terminating, deletes its pods
 * and removes it once it is empty, carrying on after a restart.
 */
@Injectable()
export class KubeNamespacesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('KubeApi');
  /** namespaces whose pods this process is deleting now */
  private readonly finishing = new Map<string, Promise<void>>();

  constructor(
    private readonly namespaces: NamespacesRepository,
    private readonly pods: PodsService,
  ) {}

  async listNamespaces(options: ListOptions): Promise<V1Namespace[]> {
    const match = listMatcher(options, NAMESPACE_FIELDS);
    return (await this.namespaces.list())
      .map((n) => toKubeNamespace(n))
      .filter((ns) =>
        match(ns.metadata!.labels ?? {}, {
          'metadata.name': ns.metadata!.name,
          'status.phase': ns.status?.phase,
        }),
      );
  }

  async getNamespace(name: string): Promise<V1Namespace> {
    return toKubeNamespace(await this.requireNamespace(name));
  }

  async createNamespace(
    body: unknown,
    query: { dryRun?: string; fieldValidation?: string },
  ): Promise<{ namespace: V1Namespace; warnings: string[] }> {
    if (query.dryRun !== undefined)
      throw new KubeError(400, 'dryRun is not supported by kubesim yet');
    const mode = fieldValidation(query.fieldValidation);
    const { name, labels, annotations, unknown } = namespaceManifest(body);
    if (unknown.length && mode === 'Strict')
      throw new KubeError(
        400,
        `Namespace in version "v1" cannot be handled as a Namespace: strict decoding error: ${unknown
          .map((f) => `unknown field "${f}"`)
          .join(', ')}`,
      );
    try {
      const row = await this.namespaces.create(name, labels, annotations);
      return {
        namespace: toKubeNamespace(row),
        warnings: mode === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [],
      };
    } catch (err) {
      if (err instanceof ConflictError) throw KubeError.alreadyExists('namespaces', name);
      throw err;
    }
  }

  /** A patch of a namespace's labels and annotations (`kubectl label`, `apply`). */
  async patchNamespace(name: string, contentType: string, patch: unknown): Promise<V1Namespace> {
    const current = await this.getNamespace(name);
    const { labels, annotations } = patchMetadata(
      contentType,
      patch,
      current as V1Pod,
      'Namespace',
    );
    const causes: Cause[] = [];
    const checked = checkMetadataMaps(labels, annotations, causes);
    if (causes.length) throw KubeError.invalid('Namespace', name, causes);
    const row = await this.namespaces.setMetadata(
      name,
      { ...checked.labels, 'kubernetes.io/metadata.name': name },
      checked.annotations,
    );
    if (!row) throw KubeError.notFound('namespaces', name);
    return toKubeNamespace(row);
  }

  /** `kubectl replace` of a namespace: its labels and annotations from the whole object. */
  async replaceNamespace(name: string, given: unknown): Promise<V1Namespace> {
    const current = await this.getNamespace(name);
    const body = checkReplaceBody(given, {
      kind: 'Namespace',
      resource: 'namespaces',
      name,
      namespace: '',
      resourceVersion: current.metadata!.resourceVersion!,
    });
    const meta = body.metadata as Record<string, unknown>;
    return this.patchNamespace(name, 'application/json-patch+json', [
      { op: 'replace', path: '/metadata/labels', value: isObject(meta.labels) ? meta.labels : {} },
      {
        op: 'replace',
        path: '/metadata/annotations',
        value: isObject(meta.annotations) ? meta.annotations : {},
      },
    ]);
  }

  /**
   * Marks the namespace Terminating and answers with it; its pods are then deleted the
   * way any pod is (each with its Killing event), and the namespace goes once it is empty.
   * The answer waits a moment for that, so a small namespace is gone when it arrives.
   */
  async deleteNamespace(name: string): Promise<V1Namespace> {
    if (SYSTEM_NAMESPACES.includes(name))
      throw new KubeError(
        403,
        `namespaces "${name}" is forbidden: this namespace may not be deleted`,
        'Forbidden',
        { name, kind: 'namespaces' },
      );
    await this.requireNamespace(name);
    const row = await this.namespaces.markTerminating(name);
    if (!row) throw KubeError.notFound('namespaces', name);
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([
      this.finishNamespace(name, Date.now() + TERMINATING_SHOWN_MS),
      new Promise((resolve) => (waited = setTimeout(resolve, QUICK_DELETE_MS).unref())),
    ]);
    clearTimeout(waited);
    return toKubeNamespace(row);
  }

  /** Deletions a restart interrupted are carried on. */
  onApplicationBootstrap(): void {
    void this.namespaces
      .terminating()
      .then((names) => names.forEach((n) => void this.finishNamespace(n)))
      .catch((err: Error) =>
        this.logger.warn(`could not read the terminating namespaces: ${err.message}`),
      );
  }

  /** Deletes what the namespace holds, then the namespace; a deletion under way is joined. */
  private finishNamespace(name: string, shownUntil = 0): Promise<void> {
    let finishing = this.finishing.get(name);
    if (!finishing) {
      finishing = this.emptyAndRemove(name, shownUntil).finally(() => this.finishing.delete(name));
      this.finishing.set(name, finishing);
    }
    return finishing;
  }

  private async emptyAndRemove(name: string, shownUntil: number): Promise<void> {
    try {
      // a pod made while the namespace turned Terminating is caught by the next round
      for (;;) {
        await this.namespaces.removeObjectsIn(name);
        for (const pod of await this.namespaces.podsIn(name)) {
          try {
            await this.pods.deletePod(String(pod.id), name);
          } catch (err) {
            if (!(err instanceof NotFoundError)) throw err;
          }
        }
        // an empty namespace stays Terminating long enough for every watch to see it
        const shown = shownUntil - Date.now();
        if (shown > 0) await new Promise((resolve) => setTimeout(resolve, shown));
        if (await this.namespaces.removeIfEmpty(name)) return;
      }
    } catch (err) {
      this.logger.warn(`deleting namespace ${name}: ${(err as Error).message}; trying again`);
      setTimeout(() => void this.finishNamespace(name), NAMESPACE_RETRY_MS).unref();
    }
  }

  async requireNamespace(name: string): Promise<NamespaceRecord> {
    const row = await this.namespaces.find(name);
    if (!row) throw KubeError.notFound('namespaces', name);
    return row;
  }

  /** Whether the namespace exists (a list in one that does not is empty). */
  async namespaceExists(namespace: string): Promise<boolean> {
    return (await this.namespaces.find(namespace)) !== null;
  }
}
