import { EventEmitter } from 'node:events';
import type { FastifyReply } from 'fastify';
import { Subject } from 'rxjs';
import type { ClusterBus } from '../events/cluster-bus';
import { streamWatch } from './kube-watch';

interface Obj {
  metadata: { uid: string; name: string; resourceVersion: string };
  status: string;
}

/** a reply whose stream keeps the events written to it */
function fakeReply() {
  const raw = Object.assign(new EventEmitter(), {
    lines: [] as string[],
    writableEnded: false,
    writeHead: () => undefined,
    cork: () => undefined,
    uncork: () => undefined,
    write(chunk: string | Buffer) {
      raw.lines.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    },
    end() {
      raw.writableEnded = true;
      raw.emit('close');
    },
  });
  const reply = { hijack: () => undefined, raw } as unknown as FastifyReply;
  const events = () =>
    raw.lines.map((l) => {
      const e = JSON.parse(l) as { type: string; object: Obj };
      return `${e.type} ${e.object.metadata.name}:${e.object.status}`;
    });
  return { reply, raw, events };
}

const obj = (name: string, status: string): Obj => ({
  metadata: { uid: `uid-${name}`, name, resourceVersion: '1' },
  status,
});

describe('streamWatch of a shared list', () => {
  it('every watch gets each change of its list once, whether it worked the changes out or replayed them', async () => {
    const bus = { closing: new Subject<void>(), messages: new Subject<{ kind: string }>() };
    let state: Obj[] = [obj('a', 'Pending'), obj('b', 'Pending')];
    let reads = 0;
    // each read makes new objects, as a read of the database does
    const list = async () => {
      reads++;
      return state.map((o) => ({ ...o, metadata: { ...o.metadata } }));
    };
    const source = {
      list,
      since: null,
      encode: (o: Obj) => o,
      shareKey: 'pods',
      encoding: 'object',
    };
    const settle = () => new Promise((r) => setTimeout(r, 20));
    const watches = [fakeReply(), fakeReply(), fakeReply()];
    for (const w of watches) streamWatch(w.reply, bus as unknown as ClusterBus, source);
    await settle();
    expect(reads).toBe(1);

    state = [obj('a', 'Running'), obj('c', 'Pending')];
    bus.messages.next({ kind: 'event' });
    await settle();
    state = [obj('a', 'Running'), obj('c', 'Running'), obj('d', 'Pending')];
    bus.messages.next({ kind: 'event' });
    await settle();
    state = [obj('c', 'Running')];
    bus.messages.next({ kind: 'event' });
    await settle();

    const expected = [
      'ADDED a:Pending',
      'ADDED b:Pending',
      'MODIFIED a:Running',
      'ADDED c:Pending',
      'DELETED b:Pending',
      'MODIFIED c:Running',
      'ADDED d:Pending',
      'DELETED a:Running',
      'DELETED d:Pending',
    ];
    for (const w of watches) expect(w.events()).toEqual(expected);
    // one read per change for all three watches
    expect(reads).toBe(4);
    bus.closing.next();
  });
});
