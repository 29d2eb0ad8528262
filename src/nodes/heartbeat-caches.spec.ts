import { HeartbeatCaches } from './heartbeat-caches';
import { HeartbeatSamples } from './heartbeat-samples';
import { NodeNameCache } from './node-name-cache';
import { NodePodsCache } from './node-pods-cache';
import { ReportFingerprints } from './report-fingerprints';
import { RoutineBeats } from './routine-beats';
import { TokenHashCache } from './token-hash-cache';

/** The part of `ReplicaChannel` the caches use: what they send, and messages from "another replica". */
class FakeChannel {
  sent: Array<{ kind: string; data: unknown }> = [];
  private readonly handlers = new Map<string, Array<(data: unknown) => void>>();
  private readonly resyncs: Array<() => void> = [];
  on(kind: string, handler: (data: unknown) => void) {
    this.handlers.set(kind, [...(this.handlers.get(kind) ?? []), handler]);
  }
  onResync(listener: () => void) {
    this.resyncs.push(listener);
  }
  async send(message: { kind: string; data: unknown }) {
    this.sent.push(message);
  }
  receive(kind: string, data: unknown) {
    for (const handler of this.handlers.get(kind) ?? []) handler(data);
  }
  resync() {
    for (const listener of this.resyncs) listener();
  }
}

function setup() {
  const channel = new FakeChannel();
  const replica = channel as never;
  const samples = new HeartbeatSamples(replica);
  const tokens = new TokenHashCache(replica);
  const names = new NodeNameCache(replica);
  const fingerprints = new ReportFingerprints();
  const pods = new NodePodsCache(replica);
  const routine = new RoutineBeats(replica);
  const caches = new HeartbeatCaches(samples, tokens, names, fingerprints, pods, routine, replica);
  const remember = (nodeId: number, name: string) => {
    samples.add(nodeId, { at: 'now', cpu_usage: 1, latency_ms: 2 });
    tokens.set(nodeId, `hash-${nodeId}`);
    names.remember(nodeId, name);
    fingerprints.changed(nodeId, 9, 'a');
    pods.cache(nodeId, { version: 3, entries: [] });
    pods.markRunning(nodeId, [9], []);
    routine.set(nodeId, { name, components: 'c', version: 3 });
  };
  const held = (nodeId: number, name: string) => ({
    samples: samples.samples(nodeId).length,
    token: tokens.get(nodeId),
    id: names.idOf(name),
    fingerprint: !fingerprints.wouldChange(nodeId, 9, 'a'),
    pods: pods.last(nodeId)?.version,
    running: pods.newlyRunning(nodeId, [9]),
    routine: routine.state(nodeId)?.version,
  });
  return { channel, caches, tokens, remember, held };
}

const FORGOTTEN = {
  samples: 0,
  token: undefined,
  id: undefined,
  fingerprint: false,
  pods: undefined,
  running: [9],
  routine: undefined,
};

describe('HeartbeatCaches', () => {
  it('forgets a node in every cache, and tells the other replicas', () => {
    const { channel, caches, remember, held } = setup();
    remember(1, 'n1');
    remember(2, 'n2');
    caches.forget(1);
    expect(held(1, 'n1')).toEqual(FORGOTTEN);
    expect(held(2, 'n2')).toMatchObject({ samples: 1, token: 'hash-2', id: 2, routine: 3 });
    expect(channel.sent).toEqual([{ kind: 'forget-node', data: 1 }]);
  });

  it('forgets what another replica removed or replaced', () => {
    const { channel, remember, held } = setup();
    remember(1, 'n1');
    remember(2, 'n2');
    channel.receive('forget-node', 1);
    channel.receive('forget-token', 2);
    expect(held(1, 'n1')).toEqual(FORGOTTEN);
    expect(held(2, 'n2')).toMatchObject({ token: undefined, id: 2, routine: 3 });
    channel.receive('heartbeat', { node_id: 2, at: 'then', cpu_usage: 1, latency_ms: 3 });
    expect(held(2, 'n2').samples).toBe(2);
  });

  it('a replaced token is forgotten here and on the other replicas', () => {
    const { channel, tokens } = setup();
    tokens.set(1, 'old');
    tokens.forget(1);
    expect(tokens.get(1)).toBeUndefined();
    expect(channel.sent).toEqual([{ kind: 'forget-token', data: 1 }]);
  });

  it('after the channel was cut off, drops what the others may have changed meanwhile', () => {
    const { channel, remember, held } = setup();
    remember(1, 'n1');
    channel.resync();
    // the recent beats, the fingerprints and the running pods are this replica's own
    expect(held(1, 'n1')).toEqual({ ...FORGOTTEN, samples: 1, fingerprint: true, running: [] });
  });
});
