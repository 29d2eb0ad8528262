/**
 * Just enough of Kubernetes' protobuf encoding to read the bodies kubectl's typed clients
 * send that way to kubesim: a v1.Namespace (`kubectl create namespace`), a
 * policy/v1.Eviction (`kubectl drain`) and an autoscaling/v1 HorizontalPodAutoscaler
 * (`kubectl autoscale`). The envelope is the magic `k8s\0` then a runtime.Unknown
 * (1 typeMeta, 2 raw), whose raw bytes are the object; each kind keeps its ObjectMeta in
 * field 1, and of it only name (1), generateName (2), namespace (3),
 * labels (11) and annotations (12) are read.
 */
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class ProtobufError extends Error {}

interface Field {
  no: number;
  bytes?: Buffer;
  /** a varint's value */
  value?: number;
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (at >= buf.length) throw new ProtobufError('truncated varint');
      const b = buf[at++];
      result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 49) throw new ProtobufError('varint too long');
    }
  };
  while (at < buf.length) {
    const key = varint();
    const no = Math.floor(key / 8);
    const type = key & 7;
    if (type === 0) out.push({ no, value: varint() });
    else if (type === 1) at += 8;
    else if (type === 5) at += 4;
    else if (type === 2) {
      const len = varint();
      if (at + len > buf.length) throw new ProtobufError('truncated field');
      out.push({ no, bytes: buf.subarray(at, at + len) });
      at += len;
    } else throw new ProtobufError(`unsupported wire type ${type}`);
    if (at > buf.length) throw new ProtobufError('truncated field');
  }
  return out;
}

const text = (f: Field | undefined) => f?.bytes?.toString('utf8');

function map(entries: Field[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) {
    const kv = fields(e.bytes!);
    out[text(kv.find((f) => f.no === 1)) ?? ''] = text(kv.find((f) => f.no === 2)) ?? '';
  }
  return out;
}

/** The object in a protobuf body, as the JSON object kubesim reads: its type and metadata. */
export function decodeObject(
  body: Buffer,
  defaults: { apiVersion: string; kind: string },
): Record<string, unknown> {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('not a Kubernetes protobuf body');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const kind = text(typeMeta.find((f) => f.no === 2));
  const apiVersion = text(typeMeta.find((f) => f.no === 1));
  const raw = unknown.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0);
  const meta = fields(fields(raw).find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const metadata: Record<string, unknown> = {};
  const name = text(meta.find((f) => f.no === 1));
  const generateName = text(meta.find((f) => f.no === 2));
  const namespace = text(meta.find((f) => f.no === 3));
  if (name) metadata.name = name;
  if (generateName) metadata.generateName = generateName;
  if (namespace) metadata.namespace = namespace;
  const labels = meta.filter((f) => f.no === 11);
  const annotations = meta.filter((f) => f.no === 12);
  if (labels.length) metadata.labels = map(labels);
  if (annotations.length) metadata.annotations = map(annotations);
  return {
    apiVersion: apiVersion || defaults.apiVersion,
    kind: kind || defaults.kind,
    metadata,
  };
}

/**
 * The autoscaling/v1 HorizontalPodAutoscaler `kubectl autoscale` sends, as its JSON object:
 * metadata (1), spec (2: scaleTargetRef 1 {kind 1, name 2, apiVersion 3}, minReplicas 2,
 * maxReplicas 3, targetCPUUtilizationPercentage 4).
 */
export function decodeHorizontalPodAutoscalerV1(body: Buffer): Record<string, unknown> {
  const { apiVersion, kind, raw } = envelope(body);
  const object = fields(raw);
  const meta = fields(object.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const metadata: Record<string, unknown> = {};
  for (const [no, key] of [
    [1, 'name'],
    [2, 'generateName'],
    [3, 'namespace'],
  ] as const) {
    const value = text(meta.find((f) => f.no === no));
    if (value) metadata[key] = value;
  }
  const labels = meta.filter((f) => f.no === 11);
  const annotations = meta.filter((f) => f.no === 12);
  if (labels.length) metadata.labels = map(labels);
  if (annotations.length) metadata.annotations = map(annotations);
  const spec = fields(object.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0));
  const ref = fields(spec.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  const int = (no: number) => spec.find((f) => f.no === no)?.value;
  const out: Record<string, unknown> = {
    scaleTargetRef: {
      kind: text(ref.find((f) => f.no === 1)),
      name: text(ref.find((f) => f.no === 2)),
      apiVersion: text(ref.find((f) => f.no === 3)),
    },
  };
  if (int(2) !== undefined) out.minReplicas = int(2);
  if (int(3) !== undefined) out.maxReplicas = int(3);
  if (int(4) !== undefined) out.targetCPUUtilizationPercentage = int(4);
  return {
    apiVersion: apiVersion || 'autoscaling/v1',
    kind: kind || 'HorizontalPodAutoscaler',
    metadata,
    spec: out,
  };
}

function envelope(body: Buffer): { apiVersion?: string; kind?: string; raw: Buffer } {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('not a Kubernetes protobuf body');
  const unknown = fields(body.subarray(4));
  const typeMeta = fields(unknown.find((f) => f.no === 1)?.bytes ?? Buffer.alloc(0));
  return {
    apiVersion: text(typeMeta.find((f) => f.no === 1)),
    kind: text(typeMeta.find((f) => f.no === 2)),
    raw: unknown.find((f) => f.no === 2)?.bytes ?? Buffer.alloc(0),
  };
}

/** Encodes what decodeHorizontalPodAutoscalerV1 reads (for tests, and as its specification). */
export function encodeHorizontalPodAutoscalerV1(hpa: {
  name: string;
  target: { kind: string; name: string; apiVersion: string };
  minReplicas?: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
}): Buffer {
  const field = (no: number, bytes: Buffer) =>
    Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
  const str = (no: number, s: string) => field(no, Buffer.from(s, 'utf8'));
  const int = (no: number, n: number | undefined) =>
    n === undefined ? Buffer.alloc(0) : Buffer.concat([varint(no * 8), varint(n)]);
  const ref = Buffer.concat([
    str(1, hpa.target.kind),
    str(2, hpa.target.name),
    str(3, hpa.target.apiVersion),
  ]);
  const spec = Buffer.concat([
    field(1, ref),
    int(2, hpa.minReplicas),
    int(3, hpa.maxReplicas),
    int(4, hpa.targetCPUUtilizationPercentage),
  ]);
  const typeMeta = Buffer.concat([str(1, 'autoscaling/v1'), str(2, 'HorizontalPodAutoscaler')]);
  const object = Buffer.concat([field(1, str(1, hpa.name)), field(2, spec)]);
  return Buffer.concat([MAGIC, field(1, typeMeta), field(2, object)]);
}

/** The Namespace in a protobuf body, as the JSON object kubesim reads. */
export function decodeNamespace(body: Buffer): Record<string, unknown> {
  return decodeObject(body, { apiVersion: 'v1', kind: 'Namespace' });
}

/** Encodes what decodeObject reads (for tests, and as its specification). */
export function encodeObject(object: {
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}): Buffer {
  const field = (no: number, bytes: Buffer) =>
    Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
  const str = (no: number, s: string) => field(no, Buffer.from(s, 'utf8'));
  const meta = Buffer.concat([
    ...(object.name ? [str(1, object.name)] : []),
    ...(object.namespace ? [str(3, object.namespace)] : []),
    ...Object.entries(object.labels ?? {}).map(([k, v]) =>
      field(11, Buffer.concat([str(1, k), str(2, v)])),
    ),
  ]);
  const typeMeta = Buffer.concat([str(1, object.apiVersion), str(2, object.kind)]);
  return Buffer.concat([MAGIC, field(1, typeMeta), field(2, field(1, meta))]);
}

/** Encodes what decodeNamespace reads. */
export function encodeNamespace(ns: { name?: string; labels?: Record<string, string> }): Buffer {
  return encodeObject({ apiVersion: 'v1', kind: 'Namespace', ...ns });
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
