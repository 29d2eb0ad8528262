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
        rejected: [],
      },
    });
  });

  it('sets a malformed pod apart, with the reason, and keeps the others', () => {
    const parsed = parseHeartbeatResponse(
      JSON.stringify({
        pod_ids: [1, 2, 3, 4],
        pods: [
          { id: 1, name: 'a' },
          { id: 2, name: '' },
          { id: 3, name: 'c', config: [{ type: 'secret', key: 'k' }] },
          { id: 4, name: 'd', volumes: [{ name: 'v' }] },
        ],
      }),
    );
    expect(parsed).toMatchObject({
      ok: true,
      value: {
        pod_ids: [1, 2, 3, 4],
        pods: [{ id: 1, name: 'a' }],
        rejected: [
          { id: 2, name: 'pod-2', reason: 'its spec is malformed: pods[1].name is empty' },
          {
            id: 3,
            name: 'c',
            reason: 'its spec is malformed: pods[2].config[0].value is not a string',
          },
          {
            id: 4,
            name: 'd',
            reason: 'its spec is malformed: pods[3].volumes[0].type is not a string',
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
    ['{"pods":[],"pod_ids":[1,"x"]}', 'pod_ids[1] is not a number'],
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
      value: { pods: [{ id: 1, name: 'a' }], rejected: [] },
    });
  });
});
