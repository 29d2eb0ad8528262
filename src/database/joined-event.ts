import { StoredEvent } from './records';

/** The columns of an event a statement stored beside its row (all null: it stored none). */
export interface JoinedEventColumns {
  event_id: string | null;
  event_reason: string | null;
  event_message: string | null;
  event_namespace: string | null;
  event_at: Date | null;
}

/** The row without its event's columns, and that event: a Normal one about `object`. */
export function splitJoinedEvent<R extends JoinedEventColumns>(
  row: R,
  object: (rest: Omit<R, keyof JoinedEventColumns>) => string,
): { rest: Omit<R, keyof JoinedEventColumns>; event: StoredEvent | null } {
  const { event_id, event_reason, event_message, event_namespace, event_at, ...rest } = row;
  const event: StoredEvent | null =
    event_id === null
      ? null
      : {
          id: event_id,
          type: 'Normal',
          reason: event_reason!,
          object: object(rest),
          message: event_message!,
          namespace: event_namespace!,
          created_at: event_at!,
        };
  return { rest, event };
}
