import { parseHeartbeatResponse, parsePodAssignments } from './heartbeat-response';

describe('parseHeartbeatResponse', () => {
  it('fills what the agent may go without', () => {
    const parsed = parseHeartbeatResponse(
      JSON.stringify({ pods: [{ id: 1, name: 'a', containers: [{ name: 'c' }] }] }),
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        node_id: 0,
        node_name: '',
        health_status: '',
        terminate: false,
        heartbeat_interval_ms: 0,
        pods: [
          {
            id: 1,
            name: 'a',
            ip: null,
            cpu_cores_req: 0,
            memory_mb_req: 0,
            restart_count: 0,
            containers: [
              { name: 'c', image: '', cpu_req: 0, memory_req: 0, command: [], args: [] },
            ],
            volumes: [],
            config: [],
          },
        ],
      },
    });
  });

  it('takes numbers sent as strings (decimal columns)', () => {
    const parsed = parseHeartbeatResponse(
      JSON.stringify({
        pods: [
          { id: '4', name: 'a', restart_count: '2', containers: [{ name: 'c', cpu_req: '0.250' }] },
        ],
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      value: { pods: [{ id: 4, restart_count: 2, containers: [{ cpu_req: 0.25 }] }] },
    });
  });

  it('obeys terminate without a pod list', () => {
    expect(parseHeartbeatResponse('{"terminate":true}')).toMatchObject({
      ok: true,
      value: { terminate: true, pods: [] },
    });
  });

  it.each([
    ['', 'not JSON'],
    ['[]', 'answer is not an object'],
    ['{}', 'pods is not a list'],
    ['{"terminate":"yes","pods":[]}', 'terminate is not a boolean'],
    ['{"pods":[{"id":1.5,"name":"a"}]}', 'pods[0].id is not an id'],
    ['{"pods":[{"id":1,"name":""}]}', 'pods[0].name is empty'],
    [
      '{"pods":[{"id":1,"name":"a","config":[{"type":"secret","key":"k"}]}]}',
      'pods[0].config[0].value is not a string',
    ],
    [
      '{"pods":[{"id":1,"name":"a","volumes":[{"name":"v"}]}]}',
      'pods[0].volumes[0].type is not a string',
    ],
  ])('rejects %s: %s', (text, reason) => {
    expect(parseHeartbeatResponse(text)).toEqual({ ok: false, reason });
  });
});

describe('parsePodAssignments', () => {
  it('checks a pushed list the same way', () => {
    expect(
      parsePodAssignments([
        { id: 1, name: 'a' },
        { id: 1, name: 'b' },
      ]),
    ).toEqual({
      ok: false,
      reason: 'pod id 1 listed twice',
    });
    expect(parsePodAssignments([{ id: 1, name: 'a' }])).toMatchObject({
      ok: true,
      value: [{ id: 1, name: 'a' }],
    });
  });
});
