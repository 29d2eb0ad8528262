import { AssignmentWaiters } from './assignment-waiters';

describe('AssignmentWaiters', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('wakes the watches of the node whose pods changed, and only those', async () => {
    const waiters = new AssignmentWaiters();
    const one = waiters.waitForChange(1, 30000);
    const other = waiters.waitForChange(2, 30000);
    waiters.wake(1);
    await expect(one).resolves.toBe(true);
    jest.advanceTimersByTime(30000);
    await expect(other).resolves.toBe(false);
  });

  it('answers false once the time is up', async () => {
    const waiters = new AssignmentWaiters();
    const watch = waiters.waitForChange(1, 1000);
    jest.advanceTimersByTime(1000);
    await expect(watch).resolves.toBe(false);
  });

  it('ends every open watch when the server closes', async () => {
    const waiters = new AssignmentWaiters();
    const watches = [waiters.waitForChange(1, 30000), waiters.waitForChange(2, 30000)];
    waiters.close();
    expect(waiters.closing).toBe(true);
    await expect(Promise.all(watches)).resolves.toEqual([true, true]);
  });
});
