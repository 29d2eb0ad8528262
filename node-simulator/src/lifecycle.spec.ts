import { crashBackoffMs, exitPlan, podPhase, restarts } from './lifecycle';

describe('exitPlan: how a simulated container ends', () => {
  it.each([
    [['sleep', '1'], [], { runSeconds: 1, exitCode: 0 }],
    [['sleep'], ['2.5'], { runSeconds: 2.5, exitCode: 0 }],
    [['sleep', '1m'], [], { runSeconds: 60, exitCode: 0 }],
    [['sleep', 'soon'], [], { runSeconds: 0, exitCode: 1 }],
    [['true'], [], { runSeconds: 0, exitCode: 0 }],
    [['false'], [], { runSeconds: 0, exitCode: 1 }],
    [['sh', '-c', 'exit 3'], [], { runSeconds: 0, exitCode: 3 }],
    [['/bin/sh'], ['-c', 'exit 300'], { runSeconds: 0, exitCode: 44 }],
    [['bash', '-c', "sleep '4'"], [], { runSeconds: 4, exitCode: 0 }],
    [['exit'], [], { runSeconds: 0, exitCode: 0 }],
  ])('%j %j ends as %j', (command, args, plan) => {
    expect(exitPlan(command, args)).toEqual(plan);
  });

  it.each([
    [[], []],
    [['nginx', '-g', 'daemon off;'], []],
    [['sleep', 'infinity'], []],
  ])('%j %j runs until stopped', (command, args) => {
    expect(exitPlan(command, args)).toBeNull();
  });

  it('takes the annotations for any image, the other value defaulting to 0', () => {
    expect(exitPlan([], [], { 'kubesim.io/run-seconds': '5' })).toEqual({
      runSeconds: 5,
      exitCode: 0,
    });
    expect(exitPlan(['sleep', '1'], [], { 'kubesim.io/exit-code': '7' })).toEqual({
      runSeconds: 0,
      exitCode: 7,
    });
    expect(exitPlan([], [], { 'kubesim.io/run-seconds': 'x' })).toBeNull();
  });
});

describe('crash-loop back-off', () => {
  it.each([
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [5, 160_000],
    [6, 300_000],
    [60, 300_000],
  ])('restart after crash %i waits %i ms', (crashes, ms) => {
    expect(crashBackoffMs(crashes)).toBe(ms);
  });

  it('scales with its settings', () => {
    expect(crashBackoffMs(3, { initialMs: 100, maxMs: 300, resetAfterMs: 1000 })).toBe(300);
  });

  it.each([
    ['Always', 0, true],
    ['Always', 1, true],
    ['OnFailure', 0, false],
    ['OnFailure', 2, true],
    ['Never', 1, false],
  ] as const)('%s restarts after exit %i: %s', (policy, code, again) => {
    expect(restarts(policy, code)).toBe(again);
  });
});

describe('podPhase', () => {
  it('is Pending until a container starts, Running while any has not ended for good', () => {
    expect(podPhase([{ started: false }])).toBe('Pending');
    expect(podPhase([{ started: true }, { started: true, exitCode: 0 }])).toBe('Running');
  });
  it('is Succeeded when all exited 0, Failed when one did not', () => {
    expect(podPhase([{ started: true, exitCode: 0 }])).toBe('Succeeded');
    expect(
      podPhase([
        { started: true, exitCode: 0 },
        { started: true, exitCode: 3 },
      ]),
    ).toBe('Failed');
  });
});
