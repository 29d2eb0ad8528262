/**
 * A node's story on one time axis: its heartbeats folded into runs, the silences
 * between them (missed beats), and the events about it and its pods. Pure, so the
 * folding is tested without a clock.
 */

export interface TimelineEntry {
  /** when it began (ISO) */
  at: string;
  /** when it ended, for spans (a run of beats, a silence); null for an instant */
  until: string | null;
  kind: 'heartbeats' | 'missed' | 'event';
  /** the event's reason (NodeFailed, PodEvicted…), or "Heartbeats" / "MissedHeartbeats" */
  reason: string;
  message: string;
  /** the event's object ("node/worker-1", "pod/web-1"), null for heartbeat spans */
  object: string | null;
  type: 'Normal' | 'Warning';
}

export interface TimelineEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  object: string;
  message: string;
  created_at: Date | string;
}

const iso = (d: Date | string) => new Date(d).toISOString();

/**
 * Folds beats (oldest first) into runs: a gap longer than `missAfter` intervals ends
 * a run and is a silence, with the beats it missed counted. A silence that lasts until
 * `now` (the node is quiet still) is one too.
 */
export function foldHeartbeats(
  beats: ReadonlyArray<{ at: string }>,
  intervalMs: number,
  now: Date,
  missAfter = 2,
): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const gapMs = intervalMs * missAfter;
  let runStart: string | null = null;
  let runEnd: string | null = null;
  let count = 0;
  const closeRun = () => {
    if (runStart === null || runEnd === null) return;
    entries.push({
      at: runStart,
      until: runEnd,
      kind: 'heartbeats',
      reason: 'Heartbeats',
      message: `${count} heartbeat${count === 1 ? '' : 's'}`,
      object: null,
      type: 'Normal',
    });
  };
  const silence = (from: string, to: string) => {
    const missed = Math.floor((Date.parse(to) - Date.parse(from)) / intervalMs) - 1;
    entries.push({
      at: from,
      until: to,
      kind: 'missed',
      reason: 'MissedHeartbeats',
      message: `silent ${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s: ${Math.max(1, missed)} heartbeat${missed > 1 ? 's' : ''} missed`,
      object: null,
      type: 'Warning',
    });
  };
  for (const beat of beats) {
    if (runEnd !== null && Date.parse(beat.at) - Date.parse(runEnd) > gapMs) {
      closeRun();
      silence(runEnd, beat.at);
      runStart = null;
      count = 0;
    }
    runStart ??= beat.at;
    runEnd = beat.at;
    count++;
  }
  closeRun();
  if (runEnd !== null && now.getTime() - Date.parse(runEnd) > gapMs) {
    silence(runEnd, now.toISOString());
  }
  return entries;
}

/** Beats folded, events added, all on one axis, oldest first. */
export function buildTimeline(
  beats: ReadonlyArray<{ at: string }>,
  events: readonly TimelineEvent[],
  intervalMs: number,
  now: Date,
): TimelineEntry[] {
  const fromEvents: TimelineEntry[] = events.map((e) => ({
    at: iso(e.created_at),
    until: null,
    kind: 'event',
    reason: e.reason,
    message: e.message,
    object: e.object,
    type: e.type,
  }));
  return [...foldHeartbeats(beats, intervalMs, now), ...fromEvents].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at),
  );
}
