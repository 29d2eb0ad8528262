/**
 * Summarises a V8 .heapsnapshot (from `npm run bench -- --only scale15k --heap-snapshot`):
 * what the heap holds, by kind and constructor, and for plain objects by their shape (their
 * first property names), each with its count and self size; and the strings by how they
 * begin. Reads the file as a stream, so snapshots larger than V8's longest string do.
 *
 *   npx ts-node bench/heap-summary.ts bench/results/<date>-profiles/<file>.heapsnapshot [--top 30]
 */
import { closeSync, openSync, readSync } from 'node:fs';

interface Meta {
  node_fields: string[];
  node_types: [string[], ...unknown[]];
  edge_fields: string[];
  edge_types: [string[], ...unknown[]];
}

/** Reads a file forwards in chunks, a byte at a time for the parser. */
class Reader {
  private readonly buf = Buffer.alloc(16 * 1024 * 1024);
  private len = 0;
  private at = 0;
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }

  /** the next byte, or -1 at the end */
  next(): number {
    if (this.at === this.len) {
      this.len = readSync(this.fd, this.buf, 0, this.buf.length, null);
      this.at = 0;
      if (this.len === 0) return -1;
    }
    return this.buf[this.at++];
  }

  /** skips to just after `marker` (ASCII); the text skipped, when it is short (the head) */
  skipPast(marker: string): string {
    const head: number[] = [];
    const last = marker.charCodeAt(marker.length - 1);
    const tail: number[] = [];
    for (;;) {
      const c = this.next();
      if (c < 0) throw new Error(`${marker} not found`);
      if (head.length < 1 << 20) head.push(c);
      tail.push(c);
      if (tail.length > marker.length) tail.shift();
      if (c === last && String.fromCharCode(...tail) === marker)
        return Buffer.from(head).toString('latin1');
    }
  }

  /** the integers of a JSON array whose `[` was just read, until its `]` */
  ints(into: (n: number) => void): void {
    let n = 0;
    let digits = false;
    for (;;) {
      const c = this.next();
      if (c >= 48 && c <= 57) {
        n = n * 10 + (c - 48);
        digits = true;
      } else {
        if (digits) into(n);
        n = 0;
        digits = false;
        if (c === 93 /* ] */ || c < 0) return;
      }
    }
  }

  /** the strings of a JSON array whose `[` was just read, until its `]` */
  strings(into: (s: string) => void): void {
    for (;;) {
      let c = this.next();
      while (c !== 34 /* " */ && c !== 93 && c >= 0) c = this.next();
      if (c !== 34) return;
      const bytes: number[] = [34];
      for (;;) {
        c = this.next();
        if (c < 0) return;
        bytes.push(c);
        if (c === 92 /* \ */) bytes.push(this.next());
        else if (c === 34) break;
        // keep the start of very long strings only, closed as a string
        if (bytes.length > 4096) {
          while (c !== 34) {
            c = this.next();
            if (c === 92) this.next();
          }
          bytes.push(34);
          break;
        }
      }
      try {
        into(JSON.parse(Buffer.from(bytes).toString('utf8')) as string);
      } catch {
        into(Buffer.from(bytes).toString('utf8'));
      }
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A growable Int32 column. */
class Column {
  data = new Int32Array(1 << 20);
  length = 0;
  push(n: number): void {
    if (this.length === this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = n;
  }
}

function main(): void {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith('--'));
  const topAt = args.indexOf('--top');
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 30;
  if (!path) {
    console.error('usage: npx ts-node bench/heap-summary.ts FILE.heapsnapshot [--top N]');
    process.exit(2);
  }
  const r = new Reader(path);
  const head = r.skipPast('"nodes":[');
  const metaText = head.slice(head.indexOf('"meta":') + 7, head.lastIndexOf('"node_count"'));
  const meta = JSON.parse(metaText.replace(/,\s*$/, '')) as Meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodes = new Column();
  r.ints((n) => nodes.push(n));
  r.skipPast('"edges":[');
  const edges = new Column();
  r.ints((n) => edges.push(n));
  r.skipPast('"strings":[');
  const strings: string[] = [];
  r.strings((s) => strings.push(s));
  r.close();

  const N = nodes.data;
  const E = edges.data;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const fType = meta.node_fields.indexOf('type');
  const fName = meta.node_fields.indexOf('name');
  const fSize = meta.node_fields.indexOf('self_size');
  const fEdges = meta.node_fields.indexOf('edge_count');
  const eType = meta.edge_fields.indexOf('type');
  const eName = meta.edge_fields.indexOf('name_or_index');
  const propertyEdge = edgeTypes.indexOf('property');
  const nodeCount = nodes.length / nf;

  const byKind = new Map<string, { count: number; bytes: number }>();
  const byShape = new Map<string, { count: number; bytes: number }>();
  const stringsByStart = new Map<string, { count: number; bytes: number }>();
  const add = (m: Map<string, { count: number; bytes: number }>, key: string, bytes: number) => {
    const row = m.get(key) ?? { count: 0, bytes: 0 };
    row.count++;
    row.bytes += bytes;
    m.set(key, row);
  };
  let total = 0;
  let edgeAt = 0;
  for (let i = 0; i < nodeCount; i++) {
    const base = i * nf;
    const type = nodeTypes[N[base + fType]];
    const name = strings[N[base + fName]] ?? '';
    const size = N[base + fSize];
    const edgeCount = N[base + fEdges];
    total += size;
    const kind =
      type === 'object' || type === 'closure'
        ? `${type} ${name}`
        : type === 'native'
          ? `native ${name.slice(0, 40)}`
          : `(${type})`;
    add(byKind, kind, size);
    if (type === 'object') {
      const props: string[] = [];
      for (let e = edgeAt; e < edgeAt + edgeCount * ef && props.length < 6; e += ef) {
        if (E[e + eType] === propertyEdge) props.push(strings[E[e + eName]]);
      }
      add(byShape, `${name} {${props.join(',')}}`, size);
    }
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string')
      add(stringsByStart, JSON.stringify(name.slice(0, 32)), size);
    edgeAt += edgeCount * ef;
  }

  const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
  const print = (title: string, m: Map<string, { count: number; bytes: number }>) => {
    console.log(`\n${title}`);
    const rows = [...m.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
    for (const [key, { count, bytes }] of rows)
      console.log(
        `${mb(bytes).padStart(10)} ${((bytes / total) * 100).toFixed(1).padStart(5)}% ${String(count).padStart(10)}  ${key.slice(0, 120)}`,
      );
  };
  console.log(`${path}: ${nodeCount} objects, ${mb(total)} (self sizes)`);
  print('by kind and constructor (self size, share, count)', byKind);
  print('plain objects by constructor and first properties', byShape);
  print('strings by how they begin', stringsByStart);
}

main();
