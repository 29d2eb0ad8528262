import type { CoreV1Event, EventsV1Event } from '@kubernetes/client-node';
import { EVENT_TABLE, TableOf } from './kube-table';
import { renameFieldLabels } from './selectors';

/**
 * events.k8s.io/v1: the same events as core/v1, in the newer group's field names. As in
 * kube-apiserver, one object is stored and each group is a view of it (same name, uid and
 * resourceVersion); kubesim's view is read-only.
 */
export const EVENTS_API_GROUP = {
  name: 'events.k8s.io',
  versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }],
  preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' },
};

export const EVENTS_V1_RESOURCES = [
  {
    name: 'events',
    singularName: 'event',
    namespaced: true,
    kind: 'Event',
    verbs: ['get', 'list', 'watch'],
    shortNames: ['ev'],
  },
];

/**
 * The field labels events.k8s.io/v1 selects on, as the core labels they stand for
 * (kube-apiserver's `AddFieldLabelConversionsForEvent`): `involvedObject.name` is refused
 * here, `regarding.name` is the way.
 */
export const EVENTS_V1_FIELD_LABELS: Readonly<Record<string, string>> = {
  'metadata.name': 'metadata.name',
  'metadata.namespace': 'metadata.namespace',
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reason: 'reason',
  reportingController: 'reportingComponent',
  source: 'source',
  type: 'type',
};

/** An events.k8s.io/v1 field selector in core/v1's labels (a SelectorError if it cannot be). */
export function coreEventFieldSelector(text: string | undefined): string | undefined {
  return renameFieldLabels(text, EVENTS_V1_FIELD_LABELS);
}

/**
 * The events.k8s.io/v1 view of a core/v1 Event, as kube-apiserver's
 * `Convert_core_Event_To_v1_Event` (kubesim's events have no `series` or `related`).
 */
export function toEventsV1Event(e: CoreV1Event): EventsV1Event {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: e.metadata,
    eventTime: e.eventTime!,
    reportingController: e.reportingComponent,
    reportingInstance: e.reportingInstance,
    action: e.action,
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
}

/** The core/v1 view of an events.k8s.io/v1 Event (`Convert_v1_Event_To_core_Event`). */
export function fromEventsV1Event(e: EventsV1Event): CoreV1Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata!,
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    type: e.type,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    eventTime: e.eventTime,
    action: e.action,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

/** kube-apiserver prints both groups' events with one printer: the same columns and cells. */
export const EVENTS_V1_TABLE: TableOf<EventsV1Event> = {
  columns: EVENT_TABLE.columns,
  cells: (e, now) => EVENT_TABLE.cells(fromEventsV1Event(e), now),
};
