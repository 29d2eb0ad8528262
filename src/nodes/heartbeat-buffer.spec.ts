import { HeartbeatBuffer } from './heartbeat-buffer';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('HeartbeatBuffer', () => {
  it('keeps one pending write per node: the latest beat, counting every beat', () => {
    const buffer = new HeartbeatBuffer();
    buffer.record(1, 100, at(0));
    buffer.record(2, 700, at(1));
    buffer.record(1, 300, at(2));
    buffer.record(1, 200, at(3));
    expect(buffer.size).toBe(2);
    const taken = buffer.take();
    expect(taken.get(1)).toEqual({ at: at(3), cpuUsedM: 200, beats: 3 });
    expect(taken.get(2)).toEqual({ at: at(1), cpuUsedM: 700, beats: 1 });
    // taken means handed over: the next tick does not write them again
    expect(buffer.size).toBe(0);
    expect(buffer.take().size).toBe(0);
  });

  it('gives back a failed write without losing beats or overwriting newer ones', () => {
    const buffer = new HeartbeatBuffer();
    buffer.record(1, 100, at(0));
    buffer.record(1, 100, at(1));
    buffer.record(2, 500, at(1));
    const taken = buffer.take();
    // beats that arrive while the write is under way
    buffer.record(1, 900, at(5));
    buffer.restore(taken);
    const again = buffer.take();
    // node 1: the newer beat wins, the older beats still count
    expect(again.get(1)).toEqual({ at: at(5), cpuUsedM: 900, beats: 3 });
    expect(again.get(2)).toEqual({ at: at(1), cpuUsedM: 500, beats: 1 });
  });

  it('forgets a node (deleted, or answered in full) so its stale beat is never written', () => {
    const buffer = new HeartbeatBuffer();
    buffer.record(1, 100, at(0));
    buffer.record(2, 100, at(0));
    buffer.forget(1);
    expect([...buffer.take().keys()]).toEqual([2]);
  });
});
