/**
 * Writes the field names of v1.Pod and apps/v1 DaemonSet (and everything they nest) from @kubernetes/client-node's
 * models to src/kube-api/generated/pod-fields.json, so the server checks manifests for
 * unknown fields (fieldValidation=Strict) without loading the client library at run time.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type AttributeMap = Array<{ baseName: string; type: string }>;
type Model = { getAttributeTypeMap?: () => AttributeMap };

async function main(): Promise<void> {
  const k8s = (await import('@kubernetes/client-node')) as unknown as Record<string, Model>;
  const types: Record<string, Record<string, string>> = {};
  const inner = (type: string): string => {
    const list = /^Array<(.+)>$/.exec(type);
    if (list) return `[]${inner(list[1])}`;
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return `{}${inner(map[1])}`;
    if (k8s[type]?.getAttributeTypeMap && !types[type]) visit(type);
    return type;
  };
  const visit = (name: string) => {
    types[name] = {};
    for (const a of k8s[name].getAttributeTypeMap!()) types[name][a.baseName] = '';
    for (const a of k8s[name].getAttributeTypeMap!()) types[name][a.baseName] = inner(a.type);
  };
  visit('V1Pod');
  visit('V1DaemonSet');
  const sorted = Object.fromEntries(
    Object.keys(types)
      .sort()
      .map((k) => [k, types[k]]),
  );
  const out = join(__dirname, '..', 'src', 'kube-api', 'generated', 'pod-fields.json');
  writeFileSync(out, `${JSON.stringify(sorted, null, 1)}\n`);
  console.log(`wrote ${Object.keys(sorted).length} types to ${out}`);
}

void main();
