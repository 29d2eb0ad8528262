/** What PostgreSQL says of a value it refused: a client must get kubesim's words instead. */
export const POSTGRES_WORDS =
  /invalid input syntax|out of range for type|violates .* constraint|relation "|column "|syntax error at/i;
/** The types a write may carry: application/json and the +json family, parameters allowed. */
export const JSON_TYPE = /^\s*application\/([a-z0-9!#$&^_.-]+\+)?json\s*(;|$)/i;

export type Counts = Record<string, number>;

export interface Violation {
  endpoint: string;
  request: string;
  status: number;
  problem: string;
  answer: string;
  /** how deeply the body's JSON nests (deep bodies are a known cause of 500s) */
  depth?: number;
  /** the whole body, for FUZZ_DUMP (the report shortens it) */
  body?: string;
}

/** The deepest nesting of brackets in a JSON text, outside strings. */
export function nestingDepth(text: string | undefined): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < (text?.length ?? 0); i++) {
    const ch = text![i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') max = Math.max(max, ++depth);
    else if (ch === '}' || ch === ']') depth--;
  }
  return max;
}

/** A path that does not decode (`%E0%A4%A`) names no node: 400 for the URL, or 401. */
export const undecodable = (id: string) => {
  try {
    decodeURIComponent(id);
    return false;
  } catch {
    return true;
  }
};
