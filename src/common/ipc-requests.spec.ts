import { IpcRequests } from './ipc-requests';

interface Reply {
  id: number;
  value: string;
}

describe('IpcRequests', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('settles each request with the reply of its id, whatever the order', async () => {
    const sent: Array<{ id: number }> = [];
    const requests = new IpcRequests<Reply>((m) => sent.push(m as { id: number }), 1000);
    const a = requests.ask(
      (id) => ({ id, what: 'a' }),
      () => new Error('late'),
    );
    const b = requests.ask(
      (id) => ({ id, what: 'b' }),
      () => new Error('late'),
    );
    expect(sent).toEqual([
      { id: 1, what: 'a' },
      { id: 2, what: 'b' },
    ]);
    requests.receive({ id: 2, value: 'for b' });
    requests.receive({ id: 99, value: 'for nobody' });
    requests.receive({ id: 1, value: 'for a' });
    await expect(a).resolves.toEqual({ id: 1, value: 'for a' });
    await expect(b).resolves.toEqual({ id: 2, value: 'for b' });
  });

  it('fails a request no reply came for in time, and ignores the late reply', async () => {
    const requests = new IpcRequests<Reply>(() => undefined, 500);
    const asked = requests.ask(
      (id) => ({ id }),
      () => new Error('no answer within 500 ms'),
    );
    jest.advanceTimersByTime(499);
    requests.receive({ id: 2, value: 'another' });
    jest.advanceTimersByTime(1);
    await expect(asked).rejects.toThrow('no answer within 500 ms');
    expect(() => requests.receive({ id: 1, value: 'too late' })).not.toThrow();
  });

  it('fails at once with what sending threw when the channel is gone', async () => {
    const requests = new IpcRequests<Reply>(() => {
      throw new Error('channel closed');
    }, 500);
    await expect(
      requests.ask(
        (id) => ({ id }),
        () => new Error('late'),
      ),
    ).rejects.toThrow('channel closed');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fails every waiting request when the process stops', async () => {
    const requests = new IpcRequests<Reply>(() => undefined, 500);
    const asked = [1, 2].map(() =>
      requests.ask(
        (id) => ({ id }),
        () => new Error('late'),
      ),
    );
    requests.failAll(new Error('shutting down'));
    for (const a of asked) await expect(a).rejects.toThrow('shutting down');
    expect(jest.getTimerCount()).toBe(0);
  });
});
