import type { KubeQuery } from './kube-list';
import { KubeError } from './kube-status';
import { parseFieldSelector, parseLabelSelector, SelectorError } from './selectors';

/** A list's label and field selectors, as the query gives them. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** The selectors of a list's query. */
export const listOptions = (q: KubeQuery): ListOptions => ({
  labelSelector: q.labelSelector,
  fieldSelector: q.fieldSelector,
});

/** How many rows one page of kubesim's own listing reads while the Kubernetes API gathers all. */
export const PAGE = 1000;

/**
 * What a list keeps of what it read: the objects whose labels and fields (among those the
 * kind allows) match the selectors; a selector that cannot be read is a 400.
 */
export function listMatcher(options: ListOptions, fields: readonly string[]) {
  try {
    const labels = parseLabelSelector(options.labelSelector);
    const byField = parseFieldSelector(options.fieldSelector, fields);
    return (l: Record<string, string>, f: Record<string, string | undefined>) =>
      labels(l) && byField(f);
  } catch (err) {
    if (err instanceof SelectorError) throw new KubeError(400, err.message);
    throw err;
  }
}

/** An object as `metadataMatcher` reads it. */
interface NamedObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
}

/** A matcher of objects by their labels, name and namespace (the fields every kind has). */
export function metadataMatcher(options: ListOptions) {
  try {
    const labels = parseLabelSelector(options.labelSelector);
    const fields = parseFieldSelector(options.fieldSelector, [
      'metadata.name',
      'metadata.namespace',
    ]);
    return (o: NamedObject) =>
      labels(o.metadata.labels ?? {}) &&
      fields({ 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace });
  } catch (err) {
    if (err instanceof SelectorError) throw new KubeError(400, err.message);
    throw err;
  }
}
