import { SseMessage } from '../cli/sse';
import { openStream } from './setup/event-stream';
import { healthyNode, pod, startTestApp, TestApp, waitFor } from './setup/test-app';

const eventsIn = (messages: SseMessage[]) => messages.filter((m) => m.event === 'event');

describe('the event stream: ids and replay after Last-Event-ID', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await healthyNode(t, 'replay-node', 4);
  });
  afterAll(() => t.close());

  it('gives every cluster event its id as the SSE id', async () => {
    const stream = await openStream(t);
    try {
      await t.http.post('/pods').send(pod('with-id', 0.1)).expect(201);
      const [stored] = (await t.http.get('/events?object=pod/with-id')).body;
      const message = await waitFor('the streamed event', async () =>
        eventsIn(stream.messages).find((m) => JSON.parse(m.data).object === 'pod/with-id'),
      );
      expect(message.id).toBe(stored.id);
      expect(JSON.parse(message.data)).toEqual(stored);
    } finally {
      stream.close();
    }
  });

  it('replays the stored events after Last-Event-ID, oldest first, then goes live without repeats', async () => {
    const { body: before } = await t.http.get('/events?limit=1');
    for (const name of ['missed-1', 'missed-2', 'missed-3'])
      await t.http.post('/pods').send(pod(name, 0.1)).expect(201);
    const { body: stored } = await t.http.get(`/events?limit=50`);
    const missed = stored.filter((e: { id: string }) => Number(e.id) > Number(before[0].id));
    expect(missed.length).toBeGreaterThanOrEqual(3);

    const stream = await openStream(t, { 'Last-Event-ID': before[0].id });
    try {
      await t.http.post('/pods').send(pod('live-1', 0.1)).expect(201);
      await waitFor('the live event after the replay', async () =>
        eventsIn(stream.messages).some((m) => JSON.parse(m.data).object === 'pod/live-1'),
      );
      const ids = eventsIn(stream.messages).map((m) => m.id);
      const [live] = (await t.http.get('/events?object=pod/live-1')).body;
      expect(ids).toEqual([...missed.map((e: { id: string }) => e.id).reverse(), live.id]);
      expect(eventsIn(stream.messages).map((m) => JSON.parse(m.data))).toEqual([
        ...[...missed].reverse(),
        live,
      ]);
    } finally {
      stream.close();
    }
  });

  it('refuses a Last-Event-ID that is not an event id with a 400', async () => {
    const res = await fetch(`${t.baseUrl}/events/stream`, { headers: { 'Last-Event-ID': 'abc' } });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toMatch(/Last-Event-ID/);
  });
});
