import { colourStatus, formatAge, formatCores, formatPercent, paletteFor } from './format';

describe('format', () => {
  it.each([
    [0.1 + 0.2, '0.3'],
    [4, '4'],
    [1.23456, '1.235'],
    [0, '0'],
    [null, '-'],
  ])('formatCores(%p) is %s', (cores, text) => {
    expect(formatCores(cores)).toBe(text);
  });

  it.each([
    [37.5, '37.5%'],
    [33.333, '33.3%'],
    [undefined, '-'],
  ])('formatPercent(%p) is %s', (pct, text) => {
    expect(formatPercent(pct)).toBe(text);
  });

  const now = Date.parse('2024-05-01T12:00:00Z');
  it.each([
    ['2024-05-01T11:59:15Z', '45s'], // 45 s
    ['2024-05-01T11:58:01Z', '119s'], // under 2 min stays in seconds
    ['2024-05-01T11:48:00Z', '12m'],
    ['2024-05-01T07:00:00Z', '5h'], // 300 min
    ['2024-04-28T12:00:00Z', '3d'], // 72 h
    ['2024-05-01T12:00:05Z', '0s'], // clock skew: never negative
    [null, '-'],
  ])('formatAge(%p) is %s', (iso, text) => {
    expect(formatAge(iso, now)).toBe(text);
  });

  it('colours statuses by meaning', () => {
    const palette = paletteFor({ isTTY: true }, {});

    expect(colourStatus(palette, 'running')).toBe('\x1b[32mrunning\x1b[39m');
    expect(colourStatus(palette, 'recovering')).toBe('\x1b[33mrecovering\x1b[39m');
    expect(colourStatus(palette, 'not_ready')).toBe('\x1b[33mnot_ready\x1b[39m');
    expect(colourStatus(palette, 'permanently_failed')).toBe('\x1b[31mpermanently_failed\x1b[39m');
    expect(colourStatus(palette, 'stopped')).toBe('\x1b[90mstopped\x1b[39m');
    expect(colourStatus(palette, 'something-new')).toBe('something-new');
  });
});
