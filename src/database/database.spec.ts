import { retryOnConflict } from './database';

const conflict = (code: string) => Object.assign(new Error('could not serialize'), { code });

describe('retryOnConflict', () => {
  it('runs the work again after a deadlock or a serialisation failure', async () => {
    const codes = ['40P01', '40001'];
    const retried: number[] = [];
    const result = await retryOnConflict(
      async () => {
        const code = codes.shift();
        if (code) throw conflict(code);
        return 'done';
      },
      3,
      (attempt) => void retried.push(attempt),
    );
    expect(result).toBe('done');
    expect(retried).toEqual([1, 2]);
  });

  it('gives up after its runs, with the last error', async () => {
    let runs = 0;
    await expect(
      retryOnConflict(async () => {
        runs++;
        throw conflict('40P01');
      }, 3),
    ).rejects.toMatchObject({ code: '40P01' });
    expect(runs).toBe(3);
  });

  it('never runs again work that failed otherwise', async () => {
    let runs = 0;
    await expect(
      retryOnConflict(async () => {
        runs++;
        throw conflict('23505');
      }, 3),
    ).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
  });

  it('reads the code of the driver error TypeORM wraps', async () => {
    let runs = 0;
    await retryOnConflict(async () => {
      if (runs++ === 0)
        throw Object.assign(new Error('wrapped'), { driverError: { code: '40001' } });
    }, 2);
    expect(runs).toBe(2);
  });
});
