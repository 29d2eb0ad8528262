import { CallHandler, ExecutionContext } from '@nestjs/common';
import { firstValueFrom, Observable, of, throwError } from 'rxjs';
import { loadConfig } from '../config/app-config';
import { BadInputError, ConflictError, UnprocessableError } from './errors';
import { IdempotencyInterceptor } from './idempotency.interceptor';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const MINUTE = 60_000;

interface Row {
  key: string;
  scope: string;
  status_code: number;
  body: { request?: string; sealed?: string } | null;
  created_at: number;
}

/** The idempotency_keys table, behind the repository's five operations. */
class FakeKeys {
  rows = new Map<string, Row>();
  async purge(keepHours: number, abandonedMinutes: number): Promise<void> {
    const now = Date.now();
    for (const [key, row] of this.rows) {
      const expired = row.created_at < now - keepHours * 60 * MINUTE;
      const abandoned = row.status_code === 0 && row.created_at < now - abandonedMinutes * MINUTE;
      if (expired || abandoned) this.rows.delete(key);
    }
  }
  async claim(key: string, scope: string, body: object): Promise<boolean> {
    if (this.rows.has(key)) return false;
    this.rows.set(key, {
      key,
      scope,
      status_code: 0,
      body: JSON.parse(JSON.stringify(body)),
      created_at: Date.now(),
    });
    return true;
  }
  async find(key: string): Promise<Row | undefined> {
    const row = this.rows.get(key);
    return row && { ...row };
  }
  async answer(key: string, status: number, body: object): Promise<void> {
    const row = this.rows.get(key);
    if (row) Object.assign(row, { status_code: status, body: JSON.parse(JSON.stringify(body)) });
  }
  async release(key: string): Promise<void> {
    if (this.rows.get(key)?.status_code === 0) this.rows.delete(key);
  }
}

interface Sent {
  status: number;
  replayed: boolean;
  body: unknown;
}

function setup(env: Record<string, string> = {}) {
  const db = new FakeKeys();
  const interceptor = new IdempotencyInterceptor(db as never, loadConfig(env));
  let created = 0;
  /** POST /nodes through the interceptor, with a handler that creates a node each time it runs */
  const send = async (
    key: string | undefined,
    body: unknown = { name: 'n1', cpu_cores: 2 },
    handler: () => Observable<unknown> = () =>
      of({ id: ++created, name: 'n1', heartbeat_token: `kshb_secret${created}` }),
    url = '/nodes',
  ): Promise<Sent> => {
    const headers: Record<string, string> = {};
    if (key !== undefined) headers['idempotency-key'] = key;
    const req = { method: 'POST', url, routeOptions: { url }, headers, body };
    const res = {
      statusCode: 201,
      replayed: false,
      status(code: number) {
        this.statusCode = code;
        return this;
      },
      header(name: string, value: string) {
        if (name === 'Idempotent-Replayed' && value === 'true') this.replayed = true;
        return this;
      },
    };
    const context = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ExecutionContext;
    const next: CallHandler = { handle: handler };
    const answer = await firstValueFrom(interceptor.intercept(context, next));
    return { status: res.statusCode, replayed: res.replayed, body: answer };
  };
  return { db, send, created: () => created };
}

describe('IdempotencyInterceptor', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('a retry with the same key gets the first answer back and creates nothing', async () => {
    const { send, created } = setup({ KUBESIM_SECRET_KEY: 'a-long-enough-secret-key' });
    const first = await send('k-1');
    const again = await send('k-1');
    expect(created()).toBe(1);
    expect(first).toMatchObject({ status: 201, replayed: false });
    // sealed with the secret key, the replay carries the token too
    expect(again).toEqual({ status: 201, replayed: true, body: first.body });
  });

  it('without a secret key the stored answer keeps no heartbeat token, and the replay lacks it', async () => {
    const { db, send } = setup();
    const first = await send('k-1');
    const again = await send('k-1');
    expect(first.body).toMatchObject({ heartbeat_token: 'kshb_secret1' });
    expect(again.body).toEqual({ id: 1, name: 'n1' });
    expect(JSON.stringify([...db.rows.values()])).not.toContain('kshb_');
  });

  it('the same body in another key order is the same request', async () => {
    const { send, created } = setup();
    await send('k-1', { name: 'n1', cpu_cores: 2, labels: { a: '1', b: '2' } });
    const again = await send('k-1', { labels: { b: '2', a: '1' }, cpu_cores: 2, name: 'n1' });
    expect(again.replayed).toBe(true);
    expect(created()).toBe(1);
  });

  it('the same key with another body or path is refused with 422, creating nothing', async () => {
    const { send, created } = setup();
    await send('k-1');
    await expect(send('k-1', { name: 'n2', cpu_cores: 2 })).rejects.toBeInstanceOf(
      UnprocessableError,
    );
    await expect(send('k-1', undefined, undefined, '/pods')).rejects.toBeInstanceOf(
      UnprocessableError,
    );
    expect(created()).toBe(1);
  });

  it('an answer stored before requests were hashed is still refused to another route', async () => {
    const { db, send, created } = setup();
    db.rows.set('k-old', {
      key: 'k-old',
      scope: 'POST /pods',
      status_code: 201,
      body: { sealed: JSON.stringify({ name: 'p1' }) },
      created_at: T0,
    });
    await expect(send('k-old')).rejects.toBeInstanceOf(UnprocessableError);
    expect(created()).toBe(0);
  });

  it('a key whose first request is still running answers 409', async () => {
    const { db, send } = setup();
    db.rows.set('k-1', {
      key: 'k-1',
      scope: 'POST /nodes',
      status_code: 0,
      body: null,
      created_at: T0,
    });
    await expect(send('k-1')).rejects.toBeInstanceOf(ConflictError);
  });

  it('a request that failed frees its key, so the retry runs', async () => {
    const { db, send, created } = setup();
    await expect(
      send('k-1', undefined, () => throwError(() => new Error('database gone'))),
    ).rejects.toThrow('database gone');
    expect(db.rows.size).toBe(0);
    const retry = await send('k-1');
    expect(retry.replayed).toBe(false);
    expect(created()).toBe(1);
  });

  it('answers are replayed for 24 hours; a claim left by a crash is released after 2 minutes', async () => {
    const { db, send, created } = setup();
    await send('k-1');
    jest.setSystemTime(T0 + 23 * 60 * MINUTE);
    expect((await send('k-1')).replayed).toBe(true);
    jest.setSystemTime(T0 + 24 * 60 * MINUTE + 1);
    expect((await send('k-1')).replayed).toBe(false);
    expect(created()).toBe(2);

    db.rows.set('k-crash', {
      key: 'k-crash',
      scope: 'POST /nodes',
      status_code: 0,
      body: null,
      created_at: Date.now(),
    });
    jest.setSystemTime(Date.now() + 2 * MINUTE + 1);
    expect((await send('k-crash')).replayed).toBe(false);
  });

  it('no key: the handler runs each time and nothing is stored; a malformed key is a 400', async () => {
    const { db, send, created } = setup();
    await send(undefined);
    await send(undefined);
    expect(created()).toBe(2);
    expect(db.rows.size).toBe(0);
    await expect(send('has space')).rejects.toBeInstanceOf(BadInputError);
    await expect(send('x'.repeat(256))).rejects.toBeInstanceOf(BadInputError);
    expect(created()).toBe(2);
  });
});
