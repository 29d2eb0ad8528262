import { NamespacesRepository } from '../database/namespaces.repository';
import { Injectable } from '@nestjs/common';
import { BadInputError, DomainError } from '../common/errors';
import { PodsRepository } from '../database/pods.repository';
import {
  NetworkObjectRecord,
  NetworkRepository,
  ServiceRecord,
} from '../database/network.repository';
import { PodRecord } from '../database/records';
import { matchesLabelSelector } from './label-selector';
import {
  DEFAULT_NAMESPACE,
  namedPorts,
  namespaceLabels,
  podNamespace,
  podReady,
  toNetPod,
} from './cluster-view';
import { evaluate, NetPolicy, PolicySpec, PolicyWorld, Verdict } from './policy-evaluation';
import { EndpointPod, ServicePort, targetPortOn } from './service-addresses';

/** A pod, Service or namespace the network API was asked about and does not know. */
export class NetworkNotFoundError extends DomainError {
  readonly status = 404;
}

const PAGE = 1000;
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export interface ReachabilityAnswer {
  allowed: boolean;
  reason: string;
  policies: string[];
  from: string;
  to: string;
  port: number | null;
  protocol: string;
  /** for a Service: each endpoint's verdict */
  endpoints?: Array<{
    pod: string;
    ip: string | null;
    port: number;
    allowed: boolean;
    reason: string;
    policies: string[];
  }>;
}

export interface MatrixAnswer {
  namespace: string | null;
  port: number | null;
  protocol: string;
  pods: string[];
  /** rows[i][j]: may pods[i] open a connection to pods[j] */
  allowed: boolean[][];
  policies: string[];
}

/** `ns/name` or a bare name (the default namespace), checked. */
export function parseRef(
  text: string | undefined,
  what: string,
): { namespace: string; name: string } {
  if (!text) throw new BadInputError(`${what} is required: <namespace>/<name> or a bare name`);
  const parts = text.split('/');
  const [namespace, name] = parts.length === 1 ? [DEFAULT_NAMESPACE, parts[0]] : parts;
  if (parts.length > 2 || !NAME.test(namespace) || !NAME.test(name ?? '') || text.length > 127)
    throw new BadInputError(
      `${what} "${text}" is not <namespace>/<name> or a bare name of lower-case letters, digits and "-"`,
    );
  return { namespace, name };
}

export function parsePort(text: string | undefined, required: boolean): number | undefined {
  if (text === undefined || text === '') {
    if (required) throw new BadInputError('port is required: a number from 1 to 65535');
    return undefined;
  }
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n < 1 || n > 65535)
    throw new BadInputError(`port "${text}" must be a number from 1 to 65535`);
  return n;
}

export function parseProtocol(text: string | undefined): string {
  const protocol = text === undefined || text === '' ? 'TCP' : text.toUpperCase();
  if (!['TCP', 'UDP', 'SCTP'].includes(protocol))
    throw new BadInputError(`protocol "${text}" must be TCP, UDP or SCTP`);
  return protocol;
}

/**
 * The cluster's network as Services and NetworkPolicies make it: endpoints from pods, and
 * whether a pod may reach another pod or a Service.
 */
@Injectable()
export class NetworkService {
  constructor(
    private readonly podsRepository: PodsRepository,
    private readonly repository: NetworkRepository,
    private readonly namespaces: NamespacesRepository,
  ) {}

  async allPods(): Promise<PodRecord[]> {
    const rows: PodRecord[] = [];
    for (let after: number | undefined; ;) {
      const page = await this.podsRepository.listPods({ after, limit: PAGE, offset: 0 });
      rows.push(...page);
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    return rows;
  }

  /** The pods a Service's selector picks (none without a selector), with their readiness. */
  selectedPods(service: ServiceRecord, pods: PodRecord[]): PodRecord[] {
    const selector = service.spec.selector as Record<string, string> | undefined;
    if (!selector || !Object.keys(selector).length) return [];
    return pods.filter(
      (p) =>
        podNamespace(p) === service.namespace &&
        p.status !== 'failed' &&
        matchesLabelSelector({ matchLabels: selector }, p.labels ?? {}),
    );
  }

  endpointPod(p: PodRecord, uid: string): EndpointPod {
    return {
      name: p.name,
      namespace: podNamespace(p),
      ip: p.ip,
      nodeName: p.node_name,
      ready: podReady(p),
      uid,
      namedPorts: namedPorts(p),
    };
  }

  private async world(policies: NetworkObjectRecord[]): Promise<PolicyWorld> {
    const labels = new Map((await this.namespaces.list()).map((n) => [n.name, n.labels]));
    return {
      policies: policies.map((p): NetPolicy => ({
        namespace: p.namespace,
        name: p.name,
        spec: p.spec as PolicySpec,
      })),
      namespaceLabels: (namespace) => namespaceLabels(namespace, labels.get(namespace)),
    };
  }

  async reachability(query: {
    from?: string;
    to?: string;
    port?: string;
    protocol?: string;
  }): Promise<ReachabilityAnswer> {
    const from = parseRef(query.from, 'from');
    const to = parseRef(query.to, 'to');
    const port = parsePort(query.port, true)!;
    const protocol = parseProtocol(query.protocol);
    const [pods, policies] = await Promise.all([
      this.allPods(),
      this.repository.listPolicies(null),
    ]);
    const find = (ref: { namespace: string; name: string }) =>
      pods.find((p) => p.name === ref.name && podNamespace(p) === ref.namespace);
    const source = find(from);
    if (!source) throw new NetworkNotFoundError(`pod "${from.namespace}/${from.name}" not found`);
    const world = await this.world(policies);
    const answer = (v: Verdict) => ({
      allowed: v.allowed,
      reason: v.reason,
      policies: v.policies,
      from: `${from.namespace}/${from.name}`,
      to: `${to.namespace}/${to.name}`,
      port,
      protocol,
    });
    const destination = find(to);
    if (destination)
      return answer(evaluate(toNetPod(source), toNetPod(destination), { port, protocol }, world));

    const service = await this.repository.findService(to.namespace, to.name);
    if (!service)
      throw new NetworkNotFoundError(`"${to.namespace}/${to.name}" is neither a pod nor a Service`);
    const ports = (service.spec.ports ?? []) as ServicePort[];
    const servicePort = ports.find((p) => p.port === port && p.protocol === protocol);
    const base = {
      from: `${from.namespace}/${from.name}`,
      to: `service ${to.namespace}/${to.name}`,
      port,
      protocol,
    };
    if (!servicePort && service.spec.clusterIP !== 'None')
      return {
        ...base,
        allowed: false,
        reason: `service ${to.namespace}/${to.name} has no port ${port}/${protocol} (it has ${ports.map((p) => `${p.port}/${p.protocol}`).join(', ') || 'none'})`,
        policies: [],
        endpoints: [],
      };
    const ready = this.selectedPods(service, pods).filter((p) => podReady(p) && p.ip);
    const endpoints = ready.flatMap((p) => {
      const target = servicePort ? targetPortOn(servicePort, this.endpointPod(p, '')) : port;
      if (target === null) return [];
      const v = evaluate(toNetPod(source), toNetPod(p), { port: target, protocol }, world);
      return [
        {
          pod: `${podNamespace(p)}/${p.name}`,
          ip: p.ip,
          port: target,
          allowed: v.allowed,
          reason: v.reason,
          policies: v.policies,
        },
      ];
    });
    if (!endpoints.length)
      return {
        ...base,
        allowed: false,
        reason: `service ${to.namespace}/${to.name} has no ready endpoints`,
        policies: [],
        endpoints,
      };
    const through = endpoints.filter((e) => e.allowed);
    const deciding = through.length ? through : endpoints;
    return {
      ...base,
      allowed: through.length > 0,
      reason: through.length
        ? `allowed to ${through.length} of ${endpoints.length} endpoints (${through.map((e) => e.pod).join(', ')})`
        : `denied to every endpoint: ${endpoints[0].reason}`,
      policies: [...new Set(deciding.flatMap((e) => e.policies))],
      endpoints,
    };
  }

  /** Every pod (of a namespace, or all) against every pod, for a port or any. */
  async matrix(query: {
    namespace?: string;
    port?: string;
    protocol?: string;
  }): Promise<MatrixAnswer> {
    const namespace = query.namespace ? query.namespace : null;
    if (namespace !== null && !NAME.test(namespace))
      throw new BadInputError(`namespace "${namespace}" is not a namespace name`);
    const port = parsePort(query.port, false);
    const protocol = parseProtocol(query.protocol);
    const [all, policies] = await Promise.all([this.allPods(), this.repository.listPolicies(null)]);
    const pods = all
      .filter((p) => namespace === null || podNamespace(p) === namespace)
      .sort((a, b) => `${podNamespace(a)}/${a.name}`.localeCompare(`${podNamespace(b)}/${b.name}`));
    const world = await this.world(policies);
    const net = pods.map(toNetPod);
    return {
      namespace,
      port: port ?? null,
      protocol,
      pods: net.map((p) => `${p.namespace}/${p.name}`),
      allowed: net.map((from) =>
        net.map((to) => evaluate(from, to, { port, protocol }, world).allowed),
      ),
      policies: policies
        .filter((p) => namespace === null || p.namespace === namespace)
        .map((p) => `${p.namespace}/${p.name}`),
    };
  }
}
