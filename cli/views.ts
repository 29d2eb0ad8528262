import type { ClusterView, EventView, NodeView, PodView, SchedulerView } from './api-types';
import {
  colourStatus,
  formatAge,
  formatCores,
  formatLabels,
  formatPercent,
  orDash,
  type Palette,
  renderFields,
  renderTable,
} from './format';

/** How each resource reads in a terminal; `-o json` bypasses all of this. */

export function nodeStatus(palette: Palette, node: NodeView): string {
  const status = colourStatus(palette, node.health_status);
  return node.cordoned ? `${status},${palette.yellow('cordoned')}` : status;
}

/** "4/4 running", or which components are not: "3/4 running (kube_proxy degraded)". */
export function componentsSummary(palette: Palette, components: NodeView['components']): string {
  const entries = Object.entries(components ?? {});
  if (entries.length === 0) return '-';
  const notRunning = entries.filter(([, status]) => status !== 'running');
  const summary = `${entries.length - notRunning.length}/${entries.length} running`;
  if (notRunning.length === 0) return summary;
  const details = notRunning.map(([name, status]) => `${name} ${colourStatus(palette, status)}`);
  return `${summary} (${details.join(', ')})`;
}

export function nodeTable(palette: Palette, nodes: NodeView[], wide: boolean): string {
  const head = [
    'ID',
    'NAME',
    'TYPE',
    'STATUS',
    'CPU (ALLOC/TOTAL)',
    'CPU USED',
    'PODS',
    'HEARTBEAT',
    'AGE',
  ];
  if (wide) head.push('MEMORY', 'POD CIDR', 'COMPONENTS', 'RECOVERIES', 'LABELS');
  const rows = nodes.map((node) => {
    const row = [
      String(node.id),
      node.name,
      node.node_type,
      nodeStatus(palette, node),
      `${formatCores(node.cpu_cores_allocated)}/${formatCores(node.cpu_cores_total)}`,
      formatCores(node.cpu_cores_used),
      String(node.pod_count ?? node.pod_ids?.length ?? 0),
      heartbeatAge(node.last_heartbeat_at),
      formatAge(node.created_at),
    ];
    if (wide) {
      row.push(
        node.memory_mb === null || node.memory_mb === undefined ? '-' : `${node.memory_mb} MB`,
        orDash(node.pod_cidr),
        componentsSummary(palette, node.components),
        String(node.recovery_attempts ?? 0),
        formatLabels(node.labels),
      );
    }
    return row;
  });
  return renderTable(palette, head, rows);
}

function heartbeatAge(iso: string | null | undefined): string {
  return iso ? `${formatAge(iso)} ago` : 'never';
}

export function nodeDetail(palette: Palette, node: NodeView): string {
  const fields: Array<[string, string]> = [
    ['Name', node.name],
    ['ID', String(node.id)],
    ['Type', node.node_type],
    ['Status', nodeStatus(palette, node)],
    ['Schedulable', node.cordoned ? 'no (cordoned)' : 'yes'],
    [
      'CPU',
      `${formatCores(node.cpu_cores_total)} cores: ${formatCores(node.cpu_cores_allocated)} allocated, ` +
        `${formatCores(node.cpu_cores_avail)} available, ${formatCores(node.cpu_cores_used)} used`,
    ],
    [
      'Memory',
      node.memory_mb === null || node.memory_mb === undefined ? '-' : `${node.memory_mb} MB`,
    ],
    ['Pod CIDR', orDash(node.pod_cidr)],
    ['Labels', formatLabels(node.labels)],
    [
      'Last heartbeat',
      node.last_heartbeat_at
        ? `${heartbeatAge(node.last_heartbeat_at)} (${node.last_heartbeat_at})`
        : 'never',
    ],
    ['Recovery attempts', String(node.recovery_attempts ?? 0)],
    ['Created', `${node.created_at} (${formatAge(node.created_at)} ago)`],
  ];
  const podIds = node.pod_ids ?? [];
  fields.push([
    'Pods',
    podIds.length === 0 ? 'none' : `${podIds.length} (ids ${podIds.join(', ')})`,
  ]);
  const components = Object.entries(node.components ?? {});
  const lines = [renderFields(fields)];
  if (components.length > 0) {
    lines.push('Components:');
    const width = Math.max(...components.map(([name]) => name.length)) + 2;
    for (const [name, status] of components) {
      lines.push(`  ${name.padEnd(width)}${colourStatus(palette, status)}`);
    }
  }
  if (node.heartbeat_token) {
    lines.push(`Heartbeat token: ${node.heartbeat_token} (shown once)`);
  }
  return lines.join('\n');
}

/** `withNamespace`: the pods of every namespace, each row saying which (as `kubectl -A`). */
export function podTable(
  palette: Palette,
  pods: PodView[],
  wide: boolean,
  withNamespace = true,
): string {
  const head = ['ID', 'NAME', 'STATUS', 'NODE', 'CPU', 'MEMORY', 'RESTARTS', 'AGE', 'REASON'];
  if (withNamespace) head.splice(1, 0, 'NAMESPACE');
  if (wide) head.push('IP', 'ALGORITHM', 'IMAGES');
  const rows = pods.map((pod) => {
    const row = [
      String(pod.id),
      ...(withNamespace ? [pod.namespace ?? 'default'] : []),
      pod.name,
      colourStatus(palette, pod.status),
      orDash(pod.node_name),
      formatCores(pod.cpu_cores_req),
      memory(pod.memory_mb_req),
      String(pod.restart_count ?? 0),
      formatAge(pod.created_at),
      orDash(pod.reason),
    ];
    if (wide) {
      row.push(
        orDash(pod.ip),
        orDash(pod.scheduler_algorithm),
        (pod.containers ?? []).map((c) => c.image).join(',') || '-',
      );
    }
    return row;
  });
  return renderTable(palette, head, rows);
}

function memory(mb: number | null | undefined): string {
  return mb === null || mb === undefined ? '-' : `${mb} MB`;
}

export function podDetail(palette: Palette, pod: PodView): string {
  const status = colourStatus(palette, pod.status);
  const fields: Array<[string, string]> = [
    ['Name', pod.name],
    ['Namespace', pod.namespace ?? 'default'],
    ['ID', String(pod.id)],
    ['Status', pod.reason ? `${status} (${pod.reason})` : status],
    ['Node', pod.node_name ? `${pod.node_name} (id ${pod.node_id})` : '-'],
    ['IP', orDash(pod.ip)],
    ['CPU request', `${formatCores(pod.cpu_cores_req)} cores`],
    ['Memory request', memory(pod.memory_mb_req)],
    ['Scheduler', orDash(pod.scheduler_algorithm)],
    ['Restarts', String(pod.restart_count ?? 0)],
    ['Created', `${pod.created_at} (${formatAge(pod.created_at)} ago)`],
  ];
  const sections = [renderFields(fields)];
  const containers = pod.containers ?? [];
  if (containers.length > 0) {
    sections.push(
      'Containers:\n' +
        indent(
          renderTable(
            palette,
            ['NAME', 'IMAGE', 'CPU', 'MEMORY', 'STATUS', 'RESTARTS', 'COMMAND'],
            containers.map((c) => [
              c.name,
              c.image,
              formatCores(c.cpu_req),
              memory(c.memory_req),
              colourStatus(palette, orDash(c.status)),
              String(c.restart_count ?? 0),
              [...(c.command ?? []), ...(c.args ?? [])].join(' ') || '-',
            ]),
          ),
        ),
    );
  }
  const volumes = pod.volumes ?? [];
  if (volumes.length > 0) {
    sections.push(
      'Volumes:\n' +
        indent(
          renderTable(
            palette,
            ['NAME', 'TYPE', 'SIZE', 'PATH'],
            volumes.map((v) => [
              v.name,
              v.type,
              v.size === null ? 'no limit' : `${v.size} GB`,
              v.path ?? '-',
            ]),
          ),
        ),
    );
  }
  const config = pod.config ?? [];
  if (config.length > 0) {
    sections.push(
      'Config:\n' +
        indent(
          renderTable(
            palette,
            ['NAME', 'TYPE', 'KEY', 'VALUE'],
            config.map((c) => [c.name, c.type, c.key, c.value]),
          ),
        ),
    );
  }
  return sections.join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function eventType(palette: Palette, type: string): string {
  return type === 'Warning' ? palette.yellow(type) : type;
}

/** Oldest first, as they happened: the newest ends up next to the prompt. */
export function eventTable(palette: Palette, events: EventView[], wide: boolean): string {
  const head = ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'];
  if (wide) head.unshift('ID', 'TIME');
  const rows = events.map((event) => {
    const row = [
      formatAge(event.created_at),
      eventType(palette, event.type),
      event.reason,
      event.object,
      event.message,
    ];
    if (wide) row.unshift(String(event.id), event.created_at);
    return row;
  });
  return renderTable(palette, head, rows);
}

/** One streamed event per line, in fixed-width columns so a live feed lines up. */
export function eventLine(palette: Palette, event: EventView): string {
  const date = new Date(event.created_at);
  const time = Number.isNaN(date.getTime()) ? '--:--:--' : date.toTimeString().slice(0, 8);
  return [
    palette.dim(time),
    eventType(palette, event.type.padEnd(7)),
    event.reason.padEnd(20),
    event.object.padEnd(24),
    event.message,
  ].join('  ');
}

function byStatus(palette: Palette, counts: Record<string, number>): string {
  const parts = Object.entries(counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${colourStatus(palette, status)} ${n}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export function clusterSummary(palette: Palette, cluster: ClusterView): string {
  const { cpu, utilisation } = cluster;
  return renderFields([
    ['Nodes', `${cluster.nodes.total}${byStatus(palette, cluster.nodes.by_status)}`],
    ['Pods', `${cluster.pods.total}${byStatus(palette, cluster.pods.by_status)}`],
    [
      'CPU',
      `${formatCores(cpu.total_cores)} cores: ${formatCores(cpu.allocated_cores)} allocated ` +
        `(${formatPercent(utilisation.allocated_pct)}), ${formatCores(cpu.available_cores)} available, ` +
        `${formatCores(cpu.used_cores)} used (${formatPercent(utilisation.used_pct)})`,
    ],
    ['Scheduler', cluster.scheduler_algorithm],
    ...(cluster.disruption?.active
      ? ([
          [
            'Disruption',
            palette.yellow(
              `${cluster.disruption.reason} (since ${cluster.disruption.since}): no pod is evicted and no node restarted until one answers`,
            ),
          ],
        ] as Array<[string, string]>)
      : []),
  ]);
}

export function schedulerSummary(palette: Palette, scheduler: SchedulerView): string {
  const others = (scheduler.algorithms ?? []).map((name) =>
    name === scheduler.algorithm ? palette.bold(`${name} (active)`) : name,
  );
  return renderFields([
    ['Algorithm', scheduler.algorithm],
    ['Available', others.join(', ') || '-'],
  ]);
}
