import { ConfigError, loadConfig, TIMING_PRESETS } from '../../src/config/app-config';
import { parseDuration } from './duration';
import { type Fail, TIMING_FIELDS } from './scenario';

/** `timings: fast`, or `timings: {preset: kubernetes, heartbeatInterval: 2s, …}`. */
export function parseTimings(raw: unknown, fail: Fail): Record<string, string> | null {
  if (raw === undefined || raw === null) return null;
  const presets = Object.keys(TIMING_PRESETS);
  const preset = (value: unknown, path: string[]) => {
    if (typeof value !== 'string' || !presets.includes(value))
      fail(path, `expected one of ${presets.join(', ')}`);
    return { KUBESIM_TIMINGS: value as string };
  };
  if (typeof raw === 'string') return preset(raw, ['timings']);
  if (typeof raw !== 'object' || Array.isArray(raw))
    fail(['timings'], `expected a preset (${presets.join(', ')}) or a mapping of durations`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (key === 'preset') {
      Object.assign(out, preset(value, ['timings', key]));
      continue;
    }
    const variable = TIMING_FIELDS[key];
    if (!variable)
      fail(
        ['timings', key],
        `unknown timing; expected preset, ${Object.keys(TIMING_FIELDS).join(', ')}`,
      );
    const ms = parseDuration(value);
    if (ms === null) fail(['timings', key], 'expected a duration such as 500ms, 3s or 2m');
    out[variable] = String(ms);
  }
  try {
    // the server's own checks (a failure timeout longer than the heartbeat interval, …)
    loadConfig(out);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail(['timings'], err.problems.join('; '));
  }
  return out;
}
