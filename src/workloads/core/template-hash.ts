import { PodTemplate } from './types';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
/** the alphabet Kubernetes draws generated names and encoded hashes from (no vowels, no 0/1/3) */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function fnv32a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Kubernetes' rand.SafeEncodeString: each character mapped into the safe alphabet. */
function safeEncode(text: string): string {
  return [...text].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('');
}

/** The template without the hash label a ReplicaSet's copy carries. */
function withoutHash(template: PodTemplate): PodTemplate {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels[POD_TEMPLATE_HASH];
  return { ...template, metadata: { ...(template.metadata ?? {}), labels } };
}

/**
 * The pod-template-hash of a Deployment's template (Kubernetes' ComputeHash: an FNV-1a
 * of the template, salted with collisionCount, safely encoded).
 */
export function podTemplateHash(template: PodTemplate, collisionCount = 0): string {
  const text =
    stableStringify(withoutHash(template)) + (collisionCount ? String(collisionCount) : '');
  return safeEncode(String(fnv32a(text)));
}

/** Kubernetes' EqualIgnoreHash: the same template but for the hash label. */
export function sameTemplate(a: PodTemplate, b: PodTemplate): boolean {
  return stableStringify(withoutHash(a)) === stableStringify(withoutHash(b));
}

/** A generated name as the API server makes it: prefix plus five safe characters. */
export function generateName(prefix: string, random: () => number = Math.random): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SAFE[Math.floor(random() * SAFE.length)];
  return `${prefix.slice(0, 58)}${suffix}`;
}
