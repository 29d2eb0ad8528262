import { BadRequestException } from '@nestjs/common';
import { instanceToPlain } from 'class-transformer';
import fc from 'fast-check';
import { MAX_MEMORY_USAGE_MIB } from '../../../node-simulator/src/wire';
import { FieldValidationPipe } from '../../common/validation-pipe';
import { HeartbeatDto } from './heartbeat.dto';
import { plainHeartbeat } from './heartbeat-fast-check';

/** the pipe as the server runs it, but for the hand check */
const full = new FieldValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
});
const withCheck = new FieldValidationPipe(
  { whitelist: true, forbidNonWhitelisted: true, transform: true },
  new Map([[HeartbeatDto, plainHeartbeat]]),
);
const body = { type: 'body' as const, metatype: HeartbeatDto, data: '' };

/** what the full validation makes of a body: the handler's value, or its 400's messages */
async function fully(value: unknown): Promise<{ ok: unknown } | { refused: string[] }> {
  try {
    return { ok: instanceToPlain(await full.transform(value, body)) };
  } catch (err) {
    if (!(err instanceof BadRequestException)) throw err;
    return { refused: (err.getResponse() as { message: string[] }).message };
  }
}

const components = {
  kubelet: 'running',
  container_runtime: 'running',
  kube_proxy: 'running',
  node_agent: 'running',
};

/** a beat as an agent sends it while its pods just run */
const routine = {
  pod_ids: [3, 7],
  cpu_usage: 0.21,
  memory_usage: 48.5,
  health_status: 'healthy',
  components,
  pods_version: 12,
  pods: [
    {
      id: 3,
      status: 'running',
      containers: [
        { name: 'web', status: 'running', restart_count: 0, cpu_usage: 0.1, memory_usage: 20 },
        { name: 'log', status: 'running', restart_count: 1, cpu_usage: 0, memory_usage: 8 },
      ],
    },
    {
      id: 7,
      status: 'running',
      containers: [{ name: 'app', status: 'running', restart_count: 0, ready: false }],
    },
  ],
};

describe('plainHeartbeat', () => {
  it("takes an agent's routine beat as it is, as the full validation would", async () => {
    expect(plainHeartbeat(routine)).toBe(routine);
    expect(await fully(routine)).toEqual({ ok: routine });
    const first = { pod_ids: [], health_status: 'healthy', components, pods_version: 0 };
    expect(plainHeartbeat(first)).toBe(first);
    expect(await withCheck.transform(first, body)).toBe(first);
  });

  it('leaves to the full validation what it is unsure of, which then says what is wrong', async () => {
    const unsure = [
      { ...routine, extra: 1 },
      { ...routine, cpu_usage: null },
      { ...routine, pod_ids: [0] },
      { ...routine, health_status: 'fine' },
      { ...routine, components: { ...components, kubelet: undefined } },
      { ...routine, logs: [{ pod_id: 3, container: 'web', at: 'now', text: 'hi' }] },
      {
        ...routine,
        pods: [
          {
            id: 3,
            status: 'running',
            containers: [{ name: 'web', status: 'running', started_at: '2026-01-01T00:00:00Z' }],
          },
        ],
      },
      [routine],
    ];
    for (const value of unsure) expect(plainHeartbeat(value)).toBeNull();
    await expect(withCheck.transform({ ...routine, pod_ids: [0] }, body)).rejects.toThrow(
      BadRequestException,
    );
    expect(await fully({ ...routine, health_status: 'fine' })).toEqual({
      refused: [expect.stringContaining('health_status must be one of')],
    });
  });

  it('never takes a body the full validation refuses, nor changes one it takes', async () => {
    // values near each rule's edges, of the right kind and of the wrong one
    const anyValue = fc.oneof(
      fc.constantFrom(undefined, null, '', 'x', 'running', 'healthy', 'terminated', true, {}, []),
      fc.constantFrom(-1, 0, 1, 0.5, 63, 64, 255, 1024, 1024.5, 2147483647, 2147483648, NaN),
      fc.string({ maxLength: 70 }),
    );
    // mostly right, so that the bodies the check takes are many; now and then absent or wrong
    const valid = <T>(arb: fc.Arbitrary<T>) =>
      fc.oneof({ arbitrary: arb, weight: 40 }, { arbitrary: anyValue, weight: 1 });
    const maybe = <T>(arb: fc.Arbitrary<T>) =>
      fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 1 },
        { arbitrary: valid(arb), weight: 2 },
      );
    const rare = fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 20 },
      { arbitrary: anyValue, weight: 1 },
    );
    // short names, and names about the 63 characters allowed
    const name = fc.oneof(fc.string({ maxLength: 4 }), fc.string({ minLength: 62, maxLength: 64 }));
    const container = fc.record({
      name: valid(name),
      status: valid(fc.constantFrom('creating', 'running', 'waiting', 'failed')),
      restart_count: maybe(fc.integer({ min: -2, max: 5 })),
      cpu_usage: maybe(fc.double({ min: -1, max: 1050 })),
      memory_usage: maybe(fc.double({ min: -1, max: MAX_MEMORY_USAGE_MIB * 1.05 })),
      ready: maybe(fc.boolean()),
      waiting_reason: maybe(name),
      image: rare,
    });
    const pod = fc.record({
      id: valid(fc.integer({ min: -1, max: 40 })),
      status: valid(fc.constantFrom('running', 'succeeded', 'terminating')),
      containers: valid(fc.array(container, { maxLength: 2 })),
      reason: maybe(
        fc.oneof(
          { arbitrary: fc.string({ maxLength: 10 }), weight: 9 },
          fc.constant('r'.repeat(1025)),
        ),
      ),
      finished: maybe(fc.boolean()),
      node: rare,
    });
    const status = valid(fc.constantFrom('running', 'degraded', 'stopped', 'unknown'));
    const componentsArb = valid(
      fc.record({
        kubelet: status,
        container_runtime: status,
        kube_proxy: status,
        node_agent: status,
        etcd: maybe(status),
        dns: rare,
      }),
    );
    const beat = fc.record({
      pod_ids: valid(fc.array(valid(fc.integer({ min: -1, max: 40 })))),
      cpu_cores_avail: maybe(fc.double({ min: -1, max: 1050 })),
      cpu_usage: maybe(fc.double({ min: -1, max: 1050 })),
      memory_usage: maybe(fc.double({ min: -1, max: MAX_MEMORY_USAGE_MIB * 1.05 })),
      health_status: valid(fc.constantFrom('healthy', 'unhealthy', 'terminating')),
      components: componentsArb,
      pods: maybe(fc.array(pod, { maxLength: 2 })),
      logs: maybe(fc.oneof({ arbitrary: fc.constant([]), weight: 9 }, fc.constant([{}]))),
      pods_version: maybe(fc.integer({ min: -1, max: 9 })),
      token: rare,
    });
    // through JSON, as a body arrives: undefined fields are absent, NaN is null
    const bodies = beat.map((b) => JSON.parse(JSON.stringify(b)) as unknown);
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (value) => {
        const copy = JSON.parse(JSON.stringify(value)) as unknown;
        if (plainHeartbeat(value) === null) return;
        taken++;
        expect(await fully(copy)).toEqual({ ok: copy });
      }),
      { numRuns: 5000 },
    );
    // the generator reaches bodies the check takes, or the property says nothing
    console.log('TAKEN', taken);
    expect(taken).toBeGreaterThan(200);
  });
});
