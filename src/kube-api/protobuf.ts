/**
 * Just enough of Kubernetes' protobuf encoding to read the bodies kubectl's typed clients
 * send that way to kubesim: a v1.Namespace (`kubectl create namespace`), a batch/v1 Job
 * (`kubectl create job`), an apps/v1 Deployment (`kubectl create deployment`), a
 * policy/v1.Eviction (`kubectl drain`) and an autoscaling/v1
 * HorizontalPodAutoscaler (`kubectl autoscale`). The envelope is the magic `k8s\0` then a
 * runtime.Unknown (1 typeMeta, 2 raw), whose raw bytes are the object; each kind keeps its
 * ObjectMeta in field 1, and of it only name (1), generateName (2), namespace (3), labels
 * (11) and annotations (12) are read.
 */ const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export class ProtobufError extends Error {}

interface Field {
  no: number;
  bytes?: Buffer;
  /** a varint field's value */
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

const EMPTY = Buffer.alloc(0);
const sub = (fs: Field[], no: number) => fields(fs.find((f) => f.no === no)?.bytes ?? EMPTY);
const num = (fs: Field[], no: number) => fs.find((f) => f.no === no)?.value;

/** The envelope: apiVersion and kind, and the object's own fields. */
function envelope(body: Buffer): { apiVersion?: string; kind?: string; object: Field[] } {
  if (!body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('not a Kubernetes protobuf body');
  const unknown = fields(body.subarray(4));
  const typeMeta = sub(unknown, 1);
  return {
    apiVersion: text(typeMeta.find((f) => f.no === 1)),
    kind: text(typeMeta.find((f) => f.no === 2)),
    object: sub(unknown, 2),
  };
}

/** ObjectMeta: name (1), generateName (2), namespace (3), labels (11), annotations (12). */
function objectMeta(meta: Field[]): Record<string, unknown> {
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
  return metadata;
}

/** The Namespace in a protobuf body, as the JSON object kubesim reads. */
export function decodeNamespace(body: Buffer): Record<string, unknown> {
  const { apiVersion, kind, object } = envelope(body);
  return {
    apiVersion: apiVersion || 'v1',
    kind: kind || 'Namespace',
    metadata: objectMeta(sub(object, 1)),
  };
}

/**
 * Any object in a protobuf body, as far as its type and metadata (an Eviction's whole, with
 * its DeleteOptions' dryRun: field 2, dryRun 5).
 */
export function decodeObject(
  body: Buffer,
  defaults: { apiVersion: string; kind: string },
): Record<string, unknown> {
  const { apiVersion, kind, object } = envelope(body);
  const out: Record<string, unknown> = {
    apiVersion: apiVersion || defaults.apiVersion,
    kind: kind || defaults.kind,
    metadata: objectMeta(sub(object, 1)),
  };
  if ((kind || defaults.kind) === 'Eviction') {
    const dryRun = sub(object, 2)
      .filter((f) => f.no === 5)
      .map((f) => text(f) ?? '');
    if (dryRun.length) out.deleteOptions = { dryRun };
  }
  return out;
}

/**
 * The autoscaling/v1 HorizontalPodAutoscaler `kubectl autoscale` sends, as its JSON object:
 * metadata (1), spec (2: scaleTargetRef 1 {kind 1, name 2, apiVersion 3}, minReplicas 2,
 * maxReplicas 3, targetCPUUtilizationPercentage 4).
 */
export function decodeHorizontalPodAutoscalerV1(body: Buffer): Record<string, unknown> {
  const { apiVersion, kind, object } = envelope(body);
  const spec = sub(object, 2);
  const ref = sub(spec, 1);
  const out: Record<string, unknown> = {
    scaleTargetRef: {
      kind: text(ref.find((f) => f.no === 1)),
      name: text(ref.find((f) => f.no === 2)),
      apiVersion: text(ref.find((f) => f.no === 3)),
    },
  };
  if (num(spec, 2) !== undefined) out.minReplicas = num(spec, 2);
  if (num(spec, 3) !== undefined) out.maxReplicas = num(spec, 3);
  if (num(spec, 4) !== undefined) out.targetCPUUtilizationPercentage = num(spec, 4);
  return {
    apiVersion: apiVersion || 'autoscaling/v1',
    kind: kind || 'HorizontalPodAutoscaler',
    metadata: objectMeta(sub(object, 1)),
    spec: out,
  };
}

/** Container: name (1), image (2), command (3), args (4), workingDir (5). */
function container(c: Field[]): Record<string, unknown> {
  const out: Record<string, unknown> = { name: text(c.find((f) => f.no === 1)) ?? '' };
  const image = text(c.find((f) => f.no === 2));
  if (image) out.image = image;
  const command = c.filter((f) => f.no === 3).map((f) => text(f) ?? '');
  const args = c.filter((f) => f.no === 4).map((f) => text(f) ?? '');
  if (command.length) out.command = command;
  if (args.length) out.args = args;
  const workingDir = text(c.find((f) => f.no === 5));
  if (workingDir) out.workingDir = workingDir;
  // ports (6): ContainerPort name (1), hostPort (2), containerPort (3), protocol (4)
  const ports = c
    .filter((f) => f.no === 6)
    .map((f) => {
      const p = fields(f.bytes!);
      const port: Record<string, unknown> = {};
      const name = text(p.find((x) => x.no === 1));
      if (name) port.name = name;
      if (num(p, 3) !== undefined) port.containerPort = num(p, 3);
      const protocol = text(p.find((x) => x.no === 4));
      if (protocol) port.protocol = protocol;
      return port;
    });
  if (ports.length) out.ports = ports;
  return out;
}

/** A PodTemplateSpec: metadata (1), and of the pod spec (2) containers (2), restartPolicy (3), nodeSelector (7). */
function podTemplate(template: Field[]): Record<string, unknown> {
  const pod = sub(template, 2);
  const podSpec: Record<string, unknown> = {
    containers: pod.filter((f) => f.no === 2).map((f) => container(fields(f.bytes!))),
  };
  const restartPolicy = text(pod.find((f) => f.no === 3));
  if (restartPolicy) podSpec.restartPolicy = restartPolicy;
  const selector = pod.filter((f) => f.no === 7);
  if (selector.length) podSpec.nodeSelector = map(selector);
  return { metadata: objectMeta(sub(template, 1)), spec: podSpec };
}

/**
 * The Deployment `kubectl create deployment` sends: metadata; spec replicas (1), selector (2:
 * matchLabels 1) and template (3).
 */
export function decodeDeployment(body: Buffer): Record<string, unknown> {
  const { apiVersion, kind, object } = envelope(body);
  const specFields = sub(object, 2);
  const spec: Record<string, unknown> = {};
  const replicas = num(specFields, 1);
  if (replicas !== undefined) spec.replicas = replicas;
  const selector = sub(specFields, 2).filter((f) => f.no === 1);
  if (selector.length) spec.selector = { matchLabels: map(selector) };
  spec.template = podTemplate(sub(specFields, 3));
  return {
    apiVersion: apiVersion || 'apps/v1',
    kind: kind || 'Deployment',
    metadata: objectMeta(sub(object, 1)),
    spec,
  };
}

/**
 * The Job in a protobuf body, as much as `kubectl create job` sets: metadata; spec
 * parallelism (1), completions (2), activeDeadlineSeconds (3), template (6),
 * backoffLimit (7), suspend (10); the template's metadata (1) and pod spec (2) with its
 * containers (2), restartPolicy (3) and nodeSelector (7).
 */
export function decodeJob(body: Buffer): Record<string, unknown> {
  const { apiVersion, kind, object } = envelope(body);
  const specFields = sub(object, 2);
  const spec: Record<string, unknown> = {};
  for (const [no, key] of [
    [1, 'parallelism'],
    [2, 'completions'],
    [3, 'activeDeadlineSeconds'],
    [7, 'backoffLimit'],
  ] as const) {
    const v = num(specFields, no);
    if (v !== undefined) spec[key] = v;
  }
  const suspend = num(specFields, 10);
  if (suspend !== undefined) spec.suspend = suspend === 1;
  spec.template = podTemplate(sub(specFields, 6));
  return {
    apiVersion: apiVersion || 'batch/v1',
    kind: kind || 'Job',
    metadata: objectMeta(sub(object, 1)),
    spec,
  };
}

/** Encodes what decodeJob reads of `kubectl create job`'s body (for tests, and as its specification). */
export function encodeJob(job: {
  name: string;
  parallelism?: number;
  backoffLimit?: number;
  containers: Array<{ name: string; image: string; command?: string[] }>;
  restartPolicy?: string;
}): Buffer {
  const field = (no: number, bytes: Buffer) =>
    Buffer.concat([varint(no * 8 + 2), varint(bytes.length), bytes]);
  const str = (no: number, s: string) => field(no, Buffer.from(s, 'utf8'));
  const int = (no: number, n: number) => Buffer.concat([varint(no * 8), varint(n)]);
  const containers = job.containers.map((c) =>
    field(
      2,
      Buffer.concat([str(1, c.name), str(2, c.image), ...(c.command ?? []).map((a) => str(3, a))]),
    ),
  );
  const podSpec = Buffer.concat([
    ...containers,
    ...(job.restartPolicy ? [str(3, job.restartPolicy)] : []),
  ]);
  const spec = Buffer.concat([
    ...(job.parallelism !== undefined ? [int(1, job.parallelism)] : []),
    field(6, Buffer.concat([field(1, EMPTY), field(2, podSpec)])),
    ...(job.backoffLimit !== undefined ? [int(7, job.backoffLimit)] : []),
  ]);
  const typeMeta = Buffer.concat([str(1, 'batch/v1'), str(2, 'Job')]);
  return Buffer.concat([
    MAGIC,
    field(1, typeMeta),
    field(2, Buffer.concat([field(1, str(1, job.name)), field(2, spec)])),
  ]);
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
