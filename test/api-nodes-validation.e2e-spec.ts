import request from 'supertest';
import { startTestApp, TestApp } from './setup/test-app';

/**
 * What POST /nodes refuses, and how it says so: the field and the reason first, once per
 * field, in kubesim's words; inputs that contradict each other; bodies that are not JSON.
 * Nothing refused is stored.
 */
describe('control plane API (real PostgreSQL, external agents)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('nodes', () => {
    it('rejects bad input with the field and the reason, and changes nothing', async () => {
      const before = await t.sql('SELECT count(*)::int AS n FROM nodes');
      const cases: Array<[unknown, RegExp]> = [
        [{ name: 'Bad_Name', cpu_cores: 1 }, /name must be a DNS-1123 label/],
        [{ name: 'x'.repeat(64), cpu_cores: 1 }, /name/],
        [{ name: 'ok-name' }, /cpu_cores_avail/],
        [{ name: 'ok-name', cpu_cores: -1 }, /cpu_cores/],
        [{ name: 'ok-name', cpu_cores: 'four' }, /cpu_cores/],
        [{ name: 'ok-name', cpu_cores: 1, node_type: 'boss' }, /node_type/],
        [{ name: 'ok-name', cpu_cores: 1, surprise: true }, /property surprise should not exist/],
        [{ name: 'ok-name', cpu_cores: 1, labels: { a: 1 } }, /labels/],
      ];
      for (const [body, message] of cases) {
        const res = await t.http
          .post('/nodes')
          .send(body as object)
          .expect(400);
        expect(JSON.stringify(res.body.message)).toMatch(message);
      }
      await t.http
        .post('/nodes')
        .set('Content-Type', 'application/json')
        .send('{"name": ')
        .expect(400);
      const huge = {
        name: 'big',
        cpu_cores: 1,
        labels: { a: 'x'.repeat(1024) },
        pad: 'y'.repeat(1_100_000),
      };
      await t.http.post('/nodes').send(huge).expect(413);
      expect(await t.sql('SELECT count(*)::int AS n FROM nodes')).toEqual(before);
    });

    it('says what is wrong first, one message per field', async () => {
      const before = await t.sql('SELECT count(*)::int AS n FROM nodes');
      const cases: Array<[unknown, string[]]> = [
        [{ name: 'ok-name', cpu_cores: 'four' }, ['cpu_cores must be a number']],
        [{ name: 'ok-name', cpu_cores_avail: '4' }, ['cpu_cores_avail must be a number']],
        [{ cpu_cores: 1 }, ['name is required']],
        [{ name: null, cpu_cores: 1 }, ['name is required']],
        [{ name: 7, cpu_cores: 1 }, ['name must be a string']],
        [{ name: 'ok-name' }, ['cpu_cores_avail (or its alias cpu_cores) is required']],
        [
          { name: 'ok-name', cpu_cores: null, cpu_cores_avail: null },
          ['cpu_cores_avail (or its alias cpu_cores) is required'],
        ],
        [
          { name: 'ok-name', cpu_cores: 1.0005 },
          ['cpu_cores must be a number with at most 3 decimals'],
        ],
        [{ name: 'ok-name', cpu_cores: 2000 }, ['cpu_cores must not be greater than 1024']],
        [{}, ['name is required', 'cpu_cores_avail (or its alias cpu_cores) is required']],
      ];
      for (const [body, messages] of cases) {
        const res = await t.http
          .post('/nodes')
          .send(body as object)
          .expect(400);
        expect(res.body.message).toEqual(messages);
      }
      // a body-less POST is an empty object: every required field named once
      const empty = await t.http.post('/nodes').expect(400);
      expect(empty.body.message).toEqual([
        'name is required',
        'cpu_cores_avail (or its alias cpu_cores) is required',
      ]);
      const pods = await t.http
        .post('/pods')
        .send({ containers: [{ name: 'm', image: 'x', memory_req: 'a' }] })
        .expect(400);
      expect(pods.body.message).toEqual([
        'name is required',
        'containers.0.cpu_req is required',
        'containers.0.memory_req must be an integer number',
      ]);
      expect(await t.sql('SELECT count(*)::int AS n FROM nodes')).toEqual(before);
    });

    it('refuses cpu_cores and cpu_cores_avail that disagree, and takes them when they agree', async () => {
      const res = await t.http
        .post('/nodes')
        .send({ name: 'n-alias', cpu_cores: 2, cpu_cores_avail: 4 })
        .expect(400);
      expect(res.body.message).toEqual([
        'cpu_cores (2) and cpu_cores_avail (4) are the same setting with different values: give one of them',
      ]);
      expect(await t.sql("SELECT id FROM nodes WHERE name = 'n-alias'")).toEqual([]);
      const ok = await t.http
        .post('/nodes')
        .send({ name: 'n-alias', cpu_cores: 2, cpu_cores_avail: 2 })
        .expect(201);
      expect(ok.body.cpu_cores_total).toBe(2);
      // null is not given: the alias alone counts
      const aliasOnly = await t.http
        .post('/nodes')
        .send({ name: 'n-alias-null', cpu_cores: 3, cpu_cores_avail: null })
        .expect(201);
      expect(aliasOnly.body.cpu_cores_total).toBe(3);
    });

    it('answers a body that is not JSON with 415, never as an empty object', async () => {
      const before = await t.sql('SELECT count(*)::int AS n FROM nodes');
      const json = JSON.stringify({ name: 'n-not-json', cpu_cores: 1 });
      for (const type of [
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/jsonx',
      ]) {
        const res = await t.http.post('/nodes').set('Content-Type', type).send(json).expect(415);
        expect(res.body).toEqual({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message: expect.stringContaining('Content-Type: application/json'),
        });
      }
      // no Content-Type at all (the harness's agent would add one)
      const bare = await request(t.baseUrl).post('/nodes').send(Buffer.from(json)).expect(415);
      expect(bare.body.message).toMatch(/application\/json/);
      expect(await t.sql('SELECT count(*)::int AS n FROM nodes')).toEqual(before);
      await t.http
        .post('/nodes')
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(json)
        .expect(201);
    });
  });
});
