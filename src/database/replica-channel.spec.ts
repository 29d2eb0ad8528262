import { MAX_PAYLOAD, batches } from './replica-channel';

describe('batches (NOTIFY payloads between replicas)', () => {
  it('packs the messages of one turn into as few payloads as fit, in order', () => {
    const messages = Array.from({ length: 1000 }, (_, i) => ({ kind: 'pods', data: [i] }));
    const payloads = batches('replica-a', messages);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.length).toBeLessThan(10);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThan(MAX_PAYLOAD);
    const back = payloads.flatMap((p) => JSON.parse(p).messages);
    expect(back).toEqual(messages);
    expect(payloads.every((p) => JSON.parse(p).from === 'replica-a')).toBe(true);
  });

  it('drops a message too big for any payload and keeps the rest', () => {
    const big = { kind: 'usage', data: 'x'.repeat(MAX_PAYLOAD) };
    const payloads = batches('r', [{ kind: 'nodes' }, big, { kind: 'pods', data: [7] }]);
    expect(payloads).toHaveLength(1);
    expect(JSON.parse(payloads[0]).messages).toEqual([
      { kind: 'nodes' },
      { kind: 'pods', data: [7] },
    ]);
  });

  it('sends nothing for no messages', () => {
    expect(batches('r', [])).toEqual([]);
  });
});
