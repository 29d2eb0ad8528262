/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): where the API
 * process spent its time, by package and by function, self and inclusive.
 *
 *   npx ts-node bench/profile-summary.ts bench/results/<date>-profiles/<file>.cpuprofile [--top 25]
 *     [--from S] [--to S]   only the samples between these seconds of the profile (a phase)
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function where(url: string): string {
  if (!url) return '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node (built-in)';
  const own = /\/dist\/(src|node-simulator)\/(.*)$/.exec(url);
  if (own) return `kubesim ${own[1]}/${own[2].replace(/\.js$/, '')}`;
  return url;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, '');
  return `${name} ${file}:${lineNumber + 1}`;
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
  const seconds = (flag: string, otherwise: number) => {
    const at = args.indexOf(flag);
    return at >= 0 ? Number(args[at + 1]) * 1000 : otherwise;
  };
  const from = seconds('--from', 0);
  const to = seconds('--to', Infinity);
  if (!file) {
    console.error(
      'usage: ts-node bench/profile-summary.ts FILE.cpuprofile [--top N] [--from S] [--to S]',
    );
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000; // µs → ms
    at += dt;
    if (at < from || at > to) return;
    const node = byId.get(id)!;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      return;
    }
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + dt);
    const pkg = node.callFrame.url ? where(node.callFrame.url) : node.callFrame.functionName;
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  });
  const busy = total - idle;
  const pct = (ms: number) => `${((100 * ms) / busy).toFixed(1).padStart(5)}%`;
  const print = (
    title: string,
    map: Map<string, number>,
    filter: (k: string) => boolean = () => true,
  ) => {
    console.log(`\n${title}`);
    for (const [k, ms] of [...map]
      .filter(([k]) => filter(k))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top))
      console.log(`  ${pct(ms)} ${(ms / 1000).toFixed(2).padStart(8)} s  ${k}`);
  };
  console.log(
    `${file}\n  ${(total / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s busy (${((100 * busy) / total).toFixed(0)}%); percentages are of busy time`,
  );
  print('self time by package or file', byPackage);
  print('self time by function', self);
  print(
    "inclusive time, kubesim's own functions",
    inclusive,
    (k) => / (src|node-simulator)\//.test(k) && !k.startsWith('(anonymous)'),
  );
  print('inclusive time, libraries', inclusive, (k) =>
    /^\S+ (typeorm|pg|@nestjs|express|class-validator|class-transformer|rxjs|helmet|body-parser)\//.test(
      k,
    ),
  );
}

main();
