/**
 * Label and field selectors as kube-apiserver reads them from `?labelSelector=` and
 * `?fieldSelector=`; a selector that does not parse is the client's mistake (400).
 */

export class SelectorError extends Error {}

type LabelRequirement =
  | { op: 'exists' | 'notexists'; key: string }
  | { op: 'in' | 'notin'; key: string; values: string[] };

export type Selector = (labels: Record<string, string | undefined>) => boolean;

const KEY =
  /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$/;

/** Splits on commas outside parentheses (`a in (x,y),b`). */
function terms(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.map((t) => t.trim()).filter((t) => t.length > 0);
}

function checkKey(key: string, whole: string): string {
  if (!KEY.test(key))
    throw new SelectorError(
      `unable to parse requirement: invalid label key "${key}" in "${whole}"`,
    );
  return key;
}

function checkValue(value: string, whole: string): string {
  if (!VALUE.test(value) || value.length > 63)
    throw new SelectorError(
      `unable to parse requirement: invalid label value "${value}" in "${whole}"`,
    );
  return value;
}

export function parseLabelSelector(text: string | undefined): Selector {
  if (!text || !text.trim()) return () => true;
  const requirements: LabelRequirement[] = terms(text).map((term) => {
    let m = /^(\S+?)\s+(in|notin)\s*\((.*)\)$/.exec(term);
    if (m) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v.length);
      return {
        op: m[2] as 'in' | 'notin',
        key: checkKey(m[1], text),
        values: values.map((v) => checkValue(v, text)),
      };
    }
    m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
    if (m) {
      const key = checkKey(m[1], text);
      const value = checkValue(m[3], text);
      return { op: m[2] === '!=' ? 'notin' : 'in', key, values: [value] };
    }
    m = /^(!?)\s*([^=!\s()]+)$/.exec(term);
    if (m) return { op: m[1] ? 'notexists' : 'exists', key: checkKey(m[2], text) };
    throw new SelectorError(`unable to parse requirement: "${term}"`);
  });
  return (labels) =>
    requirements.every((r) => {
      const value = labels[r.key];
      switch (r.op) {
        case 'exists':
          return value !== undefined;
        case 'notexists':
          return value === undefined;
        case 'in':
          return value !== undefined && r.values.includes(value);
        case 'notin':
          return value === undefined || !r.values.includes(value);
      }
    });
}

/**
 * A field selector over the fields a kind supports (`supported` are their names, as
 * `spec.nodeName`); the matcher gets the object's values of those fields.
 */
export function parseFieldSelector(
  text: string | undefined,
  supported: readonly string[],
): Selector {
  if (!text || !text.trim()) return () => true;
  const requirements = fieldTerms(text).map((t) => {
    if (!supported.includes(t.field))
      throw new SelectorError(`field label not supported: ${t.field}`);
    return { field: t.field, negate: t.op === '!=', value: t.value };
  });
  return (fields) => requirements.every((r) => ((fields[r.field] ?? '') === r.value) !== r.negate);
}

/**
 * A field selector in another group's field labels, as kube-apiserver converts them to the
 * labels of the object it stores (events.k8s.io's `regarding.name` is the core Event's
 * `involvedObject.name`): each label renamed by `labels`, one it lacks refused.
 */
export function renameFieldLabels(
  text: string | undefined,
  labels: Readonly<Record<string, string>>,
): string | undefined {
  if (!text || !text.trim()) return text;
  return fieldTerms(text)
    .map((t) => {
      if (!Object.hasOwn(labels, t.field))
        throw new SelectorError(`field label not supported: ${t.field}`);
      return `${labels[t.field]}${t.op}${t.value}`;
    })
    .join(',');
}

function fieldTerms(text: string): Array<{ field: string; op: string; value: string }> {
  return terms(text).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    return { field: m[1].trim(), op: m[2], value: m[3].trim() };
  });
}
