import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { passwordFile } from '../src/database/embedded-postgres';
import { PostgresProcess } from './setup/postgres-process';

describe('the embedded database', () => {
  const refused = async (url: string) => {
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.end();
      return false;
    } catch (err) {
      return /password authentication failed/.test((err as Error).message);
    }
  };

  it('has a random password per data folder in a 0600 file, loopback only, and gives an old folder its own on first start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubesim-embedded-'));
    chmodSync(dir, 0o755);
    const folder = join(dir, 'pg');
    try {
      const db = new PostgresProcess(folder);
      await db.start();
      const file = passwordFile(folder);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = readFileSync(file, 'utf8').trim();
      expect(password.length).toBeGreaterThanOrEqual(32);
      expect(db.url).toContain(password);
      const legacyUrl = `postgres://postgres:kubesim@127.0.0.1:${db.port}/kubesim`;
      expect(await refused(legacyUrl)).toBe(true);
      const sql = new Client({ connectionString: db.url });
      await sql.connect();
      expect((await sql.query('SHOW listen_addresses')).rows[0].listen_addresses).toBe('127.0.0.1');
      expect(
        (await sql.query('SHOW unix_socket_directories')).rows[0].unix_socket_directories,
      ).toBe('');
      // a folder as kubesim made it before: the fixed password, no password file
      await sql.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')`);
      await sql.query(`ALTER USER postgres WITH PASSWORD 'kubesim'`);
      await sql.end();
      await db.stop();
      rmSync(file);

      await db.start();
      try {
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const migrated = readFileSync(file, 'utf8').trim();
        expect(migrated).not.toBe('kubesim');
        expect(await refused(`postgres://postgres:kubesim@127.0.0.1:${db.port}/kubesim`)).toBe(
          true,
        );
        const again = new Client({ connectionString: db.url });
        await again.connect();
        expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 'still here' }]);
        await again.end();
      } finally {
        await db.stop();
      }
      // and the next start takes the kept password
      await db.start();
      expect(db.url).toContain(readFileSync(file, 'utf8').trim());
      await db.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
