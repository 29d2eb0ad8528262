import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { loadConfig } from '../config/app-config';
import { DatabaseHealth } from '../database/database-health';
import { HeartbeatBuffer } from './heartbeat-buffer';
import { HeartbeatCaches } from './heartbeat-caches';
import { HeartbeatFlusher } from './heartbeat-flusher';
import { HeartbeatSamples } from './heartbeat-samples';
import { NodeNameCache } from './node-name-cache';
import { NodePodsCache } from './node-pods-cache';
import { ReportFingerprints } from './report-fingerprints';
import { RoutineBeats } from './routine-beats';
import { TokenHashCache } from './token-hash-cache';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const UNREACHABLE = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

interface FlushedBeat {
  nodeId: number;
  at: Date;
  beats: number;
  cpuUsedM: number;
  podsVersion: number;
}

/** The slice of `HeartbeatsRepository` the flusher uses: each statement it was asked to run. */
class FakeHeartbeats {
  statements: FlushedBeat[][] = [];
  /** what the next statement does: answer these odd rows, or fail */
  next: () => Promise<Array<{ id: number; health_status: string | null }>> = async () => [];
  flushHeartbeats(beats: FlushedBeat[]) {
    this.statements.push(beats);
    return this.next();
  }
}

function setup() {
  const heartbeats = new FakeHeartbeats();
  const buffer = new HeartbeatBuffer();
  const routine = new RoutineBeats();
  const tokens = new TokenHashCache();
  const caches = new HeartbeatCaches(
    new HeartbeatSamples(),
    tokens,
    new NodeNameCache(),
    new ReportFingerprints(),
    new NodePodsCache(),
    routine,
  );
  const health = new DatabaseHealth();
  const registry = new SchedulerRegistry();
  const flusher = new HeartbeatFlusher(
    heartbeats as never,
    buffer,
    routine,
    caches,
    registry,
    health,
    loadConfig({}),
  );
  for (const nodeId of [1, 2, 3])
    routine.set(nodeId, { name: `n${nodeId}`, components: 'c', version: 10 + nodeId });
  return { heartbeats, buffer, routine, tokens, health, registry, flusher };
}

describe('HeartbeatFlusher', () => {
  it("writes every buffered beat in one statement, with each node's pods_version", async () => {
    const { heartbeats, buffer, routine, health, flusher } = setup();
    health.markDown();
    buffer.record(1, 500, at(1));
    buffer.record(1, 700, at(2));
    buffer.record(2, 100, at(2));
    routine.end(2);
    await flusher.runOnce();
    expect(heartbeats.statements).toEqual([
      [
        { nodeId: 1, at: at(2), beats: 2, cpuUsedM: 700, podsVersion: 11 },
        // no routine state any more: -1, so the node is answered in full
        { nodeId: 2, at: at(2), beats: 1, cpuUsedM: 100, podsVersion: -1 },
      ],
    ]);
    expect(buffer.size).toBe(0);
    expect(health.up).toBe(true);
    // nothing buffered: no statement
    await flusher.runOnce();
    expect(heartbeats.statements).toHaveLength(1);
  });

  it('sends the nodes the database found changed back to the full path, and forgets deleted ones', async () => {
    const { heartbeats, buffer, routine, tokens, flusher } = setup();
    tokens.set(2, 'hash');
    for (const nodeId of [1, 2, 3]) buffer.record(nodeId, 0, at(1));
    heartbeats.next = async () => [
      { id: 1, health_status: 'failed' },
      { id: 2, health_status: null },
    ];
    await flusher.flush();
    expect([1, 2, 3].map((id) => routine.state(id)?.version)).toEqual([undefined, undefined, 13]);
    expect(tokens.get(2)).toBeUndefined();
  });

  it('keeps the beats buffered while the database is unreachable, and writes them with the next', async () => {
    const { heartbeats, buffer, routine, health, flusher } = setup();
    buffer.record(1, 500, at(1));
    buffer.record(1, 500, at(2));
    heartbeats.next = () => Promise.reject(UNREACHABLE());
    await expect(flusher.flush()).rejects.toThrow(/ECONNREFUSED/);
    expect(health.up).toBe(false);
    // their nodes' next beats go the full way
    expect(routine.state(1)).toBeUndefined();
    // a tick does not throw
    await expect(flusher.runOnce()).resolves.toBeUndefined();
    buffer.record(1, 900, at(3));
    heartbeats.next = async () => [];
    await flusher.runOnce();
    expect(heartbeats.statements.at(-1)).toEqual([
      { nodeId: 1, at: at(3), beats: 3, cpuUsedM: 900, podsVersion: -1 },
    ]);
    expect(buffer.size).toBe(0);
    expect(health.up).toBe(true);
  });

  it('drops a batch the database refuses, so one bad beat cannot jam the writes', async () => {
    const { heartbeats, buffer, routine, health, flusher } = setup();
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    buffer.record(1, 500, at(1));
    heartbeats.next = () => Promise.reject(new Error('value out of range'));
    await expect(flusher.flush()).resolves.toBeUndefined();
    expect(buffer.size).toBe(0);
    expect(routine.state(1)).toBeUndefined();
    expect(health.up).toBe(true);
    expect(logged).toHaveBeenCalledWith('could not write 1 heartbeats: value out of range');
    logged.mockRestore();
  });

  it('joins a flush under way instead of starting another', async () => {
    const { heartbeats, buffer, flusher } = setup();
    let answer!: () => void;
    heartbeats.next = () => new Promise((resolve) => (answer = () => resolve([])));
    buffer.record(1, 500, at(1));
    const first = flusher.flush();
    buffer.record(2, 500, at(2));
    const second = flusher.flush();
    expect(second).toBe(first);
    answer();
    await Promise.all([first, second]);
    expect(heartbeats.statements).toHaveLength(1);
    // what came meanwhile is the next flush's
    expect(buffer.size).toBe(1);
    heartbeats.next = async () => [];
    await flusher.flush();
    expect(heartbeats.statements.map((s) => s.map((b) => b.nodeId))).toEqual([[1], [2]]);
  });

  it('ticks on an interval registered with the scheduler, removed and flushed at shutdown', async () => {
    const { heartbeats, buffer, registry, flusher } = setup();
    flusher.onApplicationBootstrap();
    expect(registry.getIntervals()).toEqual(['kubesim-heartbeat-flush']);
    buffer.record(1, 500, at(1));
    await flusher.beforeApplicationShutdown();
    expect(registry.getIntervals()).toEqual([]);
    expect(heartbeats.statements).toHaveLength(1);
  });
});
