import { parseScenario } from './parse';
import { ScenarioSyntaxError } from './scenario';

const HEAD = 'apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: demo}\nsteps:\n';

function syntaxError(text: string): ScenarioSyntaxError {
  try {
    parseScenario(text);
  } catch (err) {
    if (err instanceof ScenarioSyntaxError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioSyntaxError');
}

describe('parseScenario', () => {
  it('reads every step kind with its timing', () => {
    const scenario = parseScenario(
      HEAD +
        [
          '- at: 0s',
          '  addNodes: {count: 3, cpu: 4, prefix: worker}',
          '- at: 2s',
          '  apply: |',
          '    name: web-1',
          '    cpu_cores_req: 1',
          '    ---',
          '    name: web-2',
          '- setScheduler: worst-fit',
          '- at: 5s',
          '  every: 1s',
          '  times: 3',
          '  jitter: 500ms',
          '  failNode: {name: worker-1, mode: hang}',
          '- cordon: worker-2',
          '- restartNode: {name: worker-1}',
          '- wait: 1.5s',
          '- delete: web-2',
          '- deleteNode: worker-3',
          '- expect: {pods: {prefix: web, status: running, count: 1, notOnNode: worker-1}}',
          '  within: 30s',
          '- expect: {nodes: {name: worker-1, status: failed}}',
          '- expect: {event: {reason: NodeFailed, object: node/worker-1}}',
        ].join('\n'),
    );
    expect(scenario.name).toBe('demo');
    const [add, apply, sched, fail, cordon, restart, wait, del, delNode, pods, nodes, event] =
      scenario.steps;
    expect(add).toMatchObject({ line: 5, atMs: 0, action: { kind: 'addNodes', count: 3, cpu: 4 } });
    expect(apply.action).toEqual({
      kind: 'apply',
      pods: [{ name: 'web-1', cpu_cores_req: 1 }, { name: 'web-2' }],
      manifests: [],
    });
    // no `at`: right after the step before
    expect(sched).toMatchObject({ atMs: 2000, action: { algorithm: 'worst-fit' } });
    expect(fail).toMatchObject({ atMs: 5000, everyMs: 1000, times: 3, jitterMs: 500 });
    expect(fail.action).toEqual({ kind: 'failNode', name: 'worker-1', mode: 'hang' });
    expect(cordon.action).toEqual({ kind: 'cordon', name: 'worker-2' });
    expect(restart.action).toEqual({ kind: 'restartNode', name: 'worker-1' });
    expect(wait.action).toEqual({ kind: 'wait', ms: 1500 });
    expect(del.action).toEqual({ kind: 'delete', pod: 'web-2' });
    expect(delNode.action).toEqual({ kind: 'deleteNode', name: 'worker-3' });
    expect(pods.action).toEqual({
      kind: 'expect',
      withinMs: 30000,
      expectation: {
        on: 'pods',
        prefix: 'web',
        status: 'running',
        count: 1,
        onNode: undefined,
        notOnNode: 'worker-1',
      },
    });
    expect(nodes.action).toMatchObject({ expectation: { on: 'nodes', name: 'worker-1' } });
    expect(event.action).toMatchObject({ expectation: { on: 'event', reason: 'NodeFailed' } });
  });

  it.each([
    ['- at: soon\n  wait: 1s', 5, 'steps[0].at', 'expected a duration'],
    [
      '- wait: 1s\n- at: 1s\n  failNode: {name: w, mode: melt}',
      7,
      'steps[1].failNode.mode',
      'crash, hang, partition',
    ],
    ['- addNodes: {count: 2, cpu: 4}', 5, 'steps[0].addNodes.prefix', 'non-empty string'],
    ['- wait: 1s\n- explode: now', 6, 'steps[1].explode', 'unknown step kind'],
    ['- wait: 1s\n  cordon: w', 5, 'steps[0]', 'exactly one kind'],
    ['- every: 1s\n  wait: 1s', 5, 'steps[0].every', 'needs `times`'],
    [
      '- expect: {pods: {prefix: web, colour: red}}',
      5,
      'steps[0].expect.pods.colour',
      'unknown field',
    ],
    ['- expect: {pods: {prefix: web, selector: app=web}}', 5, 'steps[0].expect.pods', 'either'],
    [
      '- expect: {pods: {selector: app=web, status: running}}',
      5,
      'steps[0].expect.pods.status',
      'Kubernetes phase',
    ],
    [
      '- expect: {pods: {selector: app=web, phase: Sleeping}}',
      5,
      'steps[0].expect.pods.phase',
      'Pending, Running, Succeeded, Failed',
    ],
    ['- scale: {replicas: 3}', 5, 'steps[0].scale', 'deployment, replicaset'],
    ['- scale: {deployment: web, replicas: -1}', 5, 'steps[0].scale.replicas', 'whole number'],
    ['- delete: deployment/', 5, 'steps[0].delete', 'kind/name'],
    ['- autoscaler: {nodes: 3}', 5, 'steps[0].autoscaler.nodes', 'max_nodes'],
    [
      '- expect: {reach: {from: a, to: b, port: 0, allowed: true}}',
      5,
      'steps[0].expect.reach.port',
      'port number',
    ],
    ['- cordon: w\n  within: 3s', 6, 'steps[0].within', 'only an expect'],
  ])('refuses %j at line %i, naming %s', (steps, line, field, problem) => {
    const err = syntaxError(HEAD + steps);
    expect(err.line).toBe(line);
    expect(err.field).toBe(field);
    expect(err.message).toContain(problem);
  });

  it('reads Kubernetes manifests beside kubesim pods, and the Kubernetes steps and expectations', () => {
    const scenario = parseScenario(
      HEAD +
        [
          '- apply: |',
          '    apiVersion: apps/v1',
          '    kind: Deployment',
          '    metadata: {name: web}',
          '    spec: {replicas: 2}',
          '    ---',
          '    name: bare',
          '- scale: {deployment: web, replicas: 3, namespace: team-a}',
          '- drain: worker-1',
          '- autoscaler: {enabled: true, max_nodes: 4}',
          '- delete: deploy/web',
          '- delete: {pod: bare, namespace: team-a}',
          '- expect: {pods: {selector: app=web, phase: Running, count: 3, notOnNode: worker-1}}',
          '- expect: {reach: {from: default/a, to: default/b, port: 80, allowed: false}}',
        ].join('\n'),
    );
    const [apply, scale, drain, autoscaler, del, delPod, pods, reach] = scenario.steps.map(
      (s) => s.action,
    );
    expect(autoscaler).toEqual({ kind: 'autoscaler', settings: { enabled: true, max_nodes: 4 } });
    expect(apply).toEqual({
      kind: 'apply',
      manifests: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: { replicas: 2 },
        },
      ],
      pods: [{ name: 'bare' }],
    });
    expect(scale).toEqual({
      kind: 'scale',
      target: 'deployment/web',
      replicas: 3,
      namespace: 'team-a',
    });
    expect(drain).toEqual({ kind: 'drain', name: 'worker-1' });
    expect(del).toEqual({ kind: 'delete', target: 'deploy/web' });
    expect(delPod).toEqual({ kind: 'delete', pod: 'bare', namespace: 'team-a' });
    expect(pods).toMatchObject({
      expectation: { on: 'pods', selector: 'app=web', phase: 'Running', count: 3 },
    });
    expect(reach).toMatchObject({
      expectation: { on: 'reach', from: 'default/a', to: 'default/b', port: 80, allowed: false },
    });
  });

  it('refuses a manifest without a name, naming the document', () => {
    const err = syntaxError(HEAD + '- apply: |\n    apiVersion: apps/v1\n    kind: Deployment\n');
    expect(err.field).toBe('steps[0].apply');
    expect(err.message).toContain('document 1: a Deployment needs metadata.name');
  });

  it('names the header field at fault and YAML errors with their line', () => {
    expect(syntaxError('apiVersion: v1\nkind: Scenario\nsteps: []').field).toBe('apiVersion');
    expect(syntaxError(HEAD.replace('steps:\n', 'steps: []'))).toMatchObject({
      line: 4,
      field: 'steps',
    });
    expect(syntaxError(HEAD + '- at: [1s\n').message).toMatch(/^line \d+: not valid YAML/);
  });
});

describe('parseScenario: timings', () => {
  const WITH = (timings: string) =>
    `apiVersion: kubesim.io/v1alpha1\nkind: Scenario\nmetadata: {name: demo}\n${timings}\nsteps:\n- wait: 1s\n`;

  it.each([
    ['', null],
    ['timings: fast', { KUBESIM_TIMINGS: 'fast' }],
    [
      'timings: {preset: kubernetes, heartbeatInterval: 2s, podEvictionDelay: 0s}',
      { KUBESIM_TIMINGS: 'kubernetes', HEARTBEAT_INTERVAL_MS: '2000', POD_EVICTION_DELAY_MS: '0' },
    ],
    [
      'timings: {heartbeatInterval: 500ms, nodeFailureTimeout: 3s, monitorInterval: 100ms}',
      { HEARTBEAT_INTERVAL_MS: '500', NODE_FAILURE_TIMEOUT_MS: '3000', MONITOR_INTERVAL_MS: '100' },
    ],
  ])('%j → the server variables %j', (timings, env) => {
    expect(parseScenario(WITH(timings)).timings).toEqual(env);
  });

  it.each([
    ['timings: slow', 'timings', 'expected one of kubernetes, fast'],
    ['timings: {preset: turbo}', 'timings.preset', 'expected one of'],
    ['timings: {heartbeat: 1s}', 'timings.heartbeat', 'unknown timing'],
    ['timings: {heartbeatInterval: soon}', 'timings.heartbeatInterval', 'expected a duration'],
    // the server's own rule: a node fails only after more than one missed heartbeat interval
    [
      'timings: {heartbeatInterval: 5s, nodeFailureTimeout: 2s}',
      'timings',
      'must be longer than HEARTBEAT_INTERVAL_MS',
    ],
  ])('refuses %j, naming %s', (timings, field, problem) => {
    const err = syntaxError(WITH(timings));
    expect(err.line).toBe(4);
    expect(err.field).toBe(field);
    expect(err.message).toContain(problem);
  });
});
