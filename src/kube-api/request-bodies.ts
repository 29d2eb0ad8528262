import { KubeError } from './kube-status';
import {
  decodeDeployment,
  decodeJob,
  decodeNamespace,
  decodeObject,
  ProtobufError,
} from './protobuf';

/** Bodies kubesim reads are JSON; protobuf (kubectl's typed clients) is refused as kube-apiserver would a type it lacks. */
export function jsonBody(body: unknown): unknown {
  if (Buffer.isBuffer(body))
    throw new KubeError(
      415,
      'kubesim takes JSON bodies only (application/json); protobuf is not supported',
    );
  return body;
}

/** A Namespace body: JSON, or the protobuf `kubectl create namespace` sends. */
export function namespaceBody(body: unknown): unknown {
  return protobufBody(body, decodeNamespace);
}

/** A Job body: JSON, or the protobuf `kubectl create job` sends. */
export function jobBody(body: unknown): unknown {
  return protobufBody(body, decodeJob);
}

/** A Deployment body: JSON, or the protobuf `kubectl create deployment` sends. */
export function deploymentBody(body: unknown): unknown {
  return protobufBody(body, decodeDeployment);
}

function protobufBody(body: unknown, decode: (b: Buffer) => unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return decode(body);
  } catch (err) {
    if (err instanceof ProtobufError)
      throw new KubeError(400, `the protobuf body could not be read: ${err.message}`);
    throw err;
  }
}

/** An Eviction body: JSON, or the protobuf `kubectl drain` sends. */
export function evictionBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body)) return body;
  try {
    return decodeObject(body, { apiVersion: 'policy/v1', kind: 'Eviction' });
  } catch (err) {
    if (err instanceof ProtobufError)
      throw new KubeError(400, `the protobuf body could not be read: ${err.message}`);
    throw err;
  }
}
