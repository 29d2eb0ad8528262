import { decideHealth, MonitorTimings, restartDelayMs } from './node-health';

const t: MonitorTimings = {
  heartbeatIntervalMs: 5000,
  nodeFailureTimeoutMs: 15000,
  nodeNotReadyAfterMs: 10000,
  recoveryBackoffMs: 2000,
  maxRecoveryAttempts: 3,
  podEvictionDelayMs: 0,
};
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms);

const node = (over: Record<string, unknown>) =>
  ({
    health_status: 'healthy',
    last_heartbeat_at: at(0),
    status_changed_at: at(0),
    created_at: at(-60000),
    recovery_attempts: 0,
    next_recovery_at: null,
    ...over,
  }) as Parameters<typeof decideHealth>[0];

describe('decideHealth', () => {
  it.each([
    // healthy, beat 4 s ago: fine
    ['healthy', { last_heartbeat_at: at(0) }, 4000, 'none'],
    // 2 intervals missed (10 s) but under the 15 s timeout: not ready
    ['healthy', { last_heartbeat_at: at(0) }, 10000, 'none'],
    ['healthy', { last_heartbeat_at: at(0) }, 10001, 'not-ready'],
    // not ready already: nothing more until the timeout, then failed
    ['not_ready', { last_heartbeat_at: at(0) }, 12000, 'none'],
    ['not_ready', { last_heartbeat_at: at(0) }, 15000, 'none'],
    ['not_ready', { last_heartbeat_at: at(0) }, 15001, 'fail'],
    // exactly the timeout: not yet (strictly past it fails)
    ['healthy', { last_heartbeat_at: at(0) }, 15000, 'not-ready'],
    ['healthy', { last_heartbeat_at: at(0) }, 15001, 'fail'],
    // pending never beat: silence counts from registration (created at −60 s)
    ['pending', { last_heartbeat_at: null, created_at: at(0) }, 14000, 'none'],
    ['pending', { last_heartbeat_at: null, created_at: at(0) }, 16000, 'fail'],
    // recovering: restart issued at t=0 gets a full timeout
    ['recovering', { status_changed_at: at(0), recovery_attempts: 1 }, 15000, 'none'],
    ['recovering', { status_changed_at: at(0), recovery_attempts: 1 }, 15001, 'attempt-failed'],
    // failed, restart due at t=2 s
    ['failed', { next_recovery_at: at(2000) }, 1999, 'none'],
    ['failed', { next_recovery_at: at(2000) }, 2000, 'restart'],
    // out of attempts: nothing more
    ['failed', { next_recovery_at: at(0), recovery_attempts: 3 }, 5000, 'none'],
    ['stopped', { last_heartbeat_at: at(0) }, 999999, 'none'],
    ['permanently_failed', { last_heartbeat_at: at(0) }, 999999, 'none'],
  ])('%s %o at +%d ms → %s', (status, over, now, action) => {
    expect(decideHealth(node({ health_status: status, ...over }), T0 + now, t).action).toBe(action);
  });

  it('the last failed attempt is permanent', () => {
    const v = decideHealth(
      node({ health_status: 'recovering', recovery_attempts: 3 }),
      T0 + 20000,
      t,
    );
    expect(v).toMatchObject({ action: 'attempt-failed', permanently: true });
    const w = decideHealth(
      node({ health_status: 'recovering', recovery_attempts: 2 }),
      T0 + 20000,
      t,
    );
    expect(w).toMatchObject({ action: 'attempt-failed', permanently: false });
  });

  it('numbers the next restart', () => {
    const v = decideHealth(
      node({ health_status: 'failed', recovery_attempts: 1, next_recovery_at: at(0) }),
      T0,
      t,
    );
    expect(v).toEqual({ action: 'restart', attempt: 2 });
  });
});

describe('restartDelayMs', () => {
  it.each([
    [1, 2000], // 2 s
    [2, 4000], // 2 s × 2
    [3, 8000], // 2 s × 4
  ])('attempt %d waits %d ms', (attempt, ms) => {
    expect(restartDelayMs(attempt, 2000)).toBe(ms);
  });
});
