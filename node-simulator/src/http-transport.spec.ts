import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { httpFetch } from './http-transport';

describe('httpFetch', () => {
  let server: Server;
  let base: string;
  const seen: { method?: string; auth?: string; type?: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({
          method: req.method,
          auth: req.headers.authorization,
          type: req.headers['content-type'],
          body,
        });
        if (req.url === '/hang') return; // never answers
        res.writeHead(req.url === '/gone' ? 404 : 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ echo: body.length }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, signal?: AbortSignal) =>
    httpFetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
      body: '{"pod_ids":[]}',
      signal,
    });

  it('posts the body and headers and reads the answer', async () => {
    const response = await post('/nodes/1/heartbeat');
    expect(response.status).toBe(200);
    expect(JSON.parse(await response.text())).toEqual({ echo: 14 });
    expect(seen[seen.length - 1]).toEqual({
      method: 'POST',
      auth: 'Bearer t',
      type: 'application/json',
      body: '{"pod_ids":[]}',
    });
  });

  it('hands back error statuses as answers', async () => {
    expect((await post('/gone')).status).toBe(404);
  });

  it('rejects when aborted', async () => {
    const abort = new AbortController();
    const pending = post('/hang', abort.signal);
    setTimeout(() => abort.abort(), 5);
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      httpFetch(`http://127.0.0.1:${port}/x`, { method: 'POST', headers: {}, body: '' }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
