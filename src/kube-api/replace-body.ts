import { isDeepStrictEqual } from 'node:util';
import { KubeError } from './kube-status';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The checks kube-apiserver makes of a PUT (`kubectl replace`) before it reads the object:
 * a body of the right kind, named as the URL names it, in its namespace, and — when it says
 * which version it replaces — over the current one (else a Conflict, as any stale write).
 */
export function checkReplaceBody(
  body: unknown,
  target: {
    kind: string;
    /** kube-apiserver's name for the resource in messages: `pods`, `services`, … */
    resource: string;
    name: string;
    namespace: string;
    resourceVersion: string;
  },
): Record<string, unknown> {
  if (!isObject(body)) throw new KubeError(400, `the body must be a ${target.kind} object`);
  if (body.kind !== undefined && body.kind !== target.kind)
    throw new KubeError(
      400,
      `the body must be a ${target.kind}, not ${JSON.stringify(body.kind)}`,
      'BadRequest',
    );
  const meta = isObject(body.metadata) ? body.metadata : {};
  if (meta.name !== target.name)
    throw new KubeError(
      400,
      `the name of the object (${String(meta.name ?? '')}) does not match the name on the URL (${target.name})`,
      'BadRequest',
    );
  if (meta.namespace !== undefined && meta.namespace !== target.namespace)
    throw new KubeError(
      400,
      'the namespace of the provided object does not match the namespace sent on the request',
      'BadRequest',
    );
  if (meta.resourceVersion !== undefined && meta.resourceVersion !== target.resourceVersion)
    throw new KubeError(
      409,
      `Operation cannot be fulfilled on ${target.resource} "${target.name}": the object has been modified; please apply your changes to the latest version and try again`,
      'Conflict',
    );
  return body;
}

/** Whether two values are the same once written as JSON (undefined fields dropped). */
export function sameJson(a: unknown, b: unknown): boolean {
  const json = (v: unknown) => JSON.parse(JSON.stringify(v ?? {})) as unknown;
  return isDeepStrictEqual(json(a), json(b));
}
