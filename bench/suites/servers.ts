/** The servers the suites start and stop, and what to say when one went away. */
import { mkdirSync } from 'node:fs';
import { LocalServer } from '../lib/server';
import { SERVERS } from '../plan';
import { SuiteContext } from './context';

/** The servers running now, to say so when a figure fails because one went away. */
const current = new Map<string, LocalServer>();

/** Called between suites: a server's end explains only its own suite's failures. */
export function forgetServers(): void {
  current.clear();
}

/** "; the load server had exited (code 0) at …" when that explains a failure. */
export function serverGone(): string {
  const gone = [...current.values()].filter((s) => s.exitInfo && !s.exitInfo.expected);
  return gone
    .map((s) => {
      const e = s.exitInfo!;
      return `; the ${s.label} server had exited (${e.signal ?? `code ${e.code}`}) at ${e.at.slice(11, 19)}`;
    })
    .join('');
}

/** node flags that profile a server under --cpu-prof (the profiles land in the run's folder) */
export function profileArgs(ctx: SuiteContext): string[] {
  return ctx.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfDir}`] : [];
}

/** node flags that let a server write heap snapshots under --heap-snapshot (`LocalServer.heapSnapshots`) */
export function heapSnapshotArgs(ctx: SuiteContext): string[] {
  if (!ctx.heapSnapshotDir) return [];
  mkdirSync(ctx.heapSnapshotDir, { recursive: true });
  return ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${ctx.heapSnapshotDir}`];
}

export async function startServer(
  ctx: SuiteContext,
  label: keyof typeof SERVERS,
  nodeArgs: string[] = [],
): Promise<LocalServer> {
  ctx.progress.start(`${label}-boot`);
  const server = await LocalServer.start({
    label,
    env: SERVERS[label],
    nodeArgs,
    onUnexpectedExit: (s) => {
      const how = s.exitInfo!.signal ? `signal ${s.exitInfo!.signal}` : `code ${s.exitInfo!.code}`;
      ctx.log(
        `the ${label} server (pid ${s.pid}) exited by itself (${how}): ` +
          'the figures that need it fail; its log is kept in bench/results/',
      );
    },
  });
  ctx.servers[label] = { label, env: { ...SERVERS[label] }, pid: server.pid };
  current.set(label, server);
  return server;
}

export async function stopServer(ctx: SuiteContext, label: string, server: LocalServer | null) {
  if (!server) return;
  ctx.progress.start(`${label}-stop`);
  await server.stop(`${ctx.logPrefix}-${label}-server.log`);
  ctx.servers[label].exit = server.exitInfo;
}
