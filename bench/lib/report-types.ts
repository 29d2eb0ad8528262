/** One line of the printed table. */
export interface Row {
  figure: string;
  measured: string;
  target: string;
  /** null: no target, or not measured */
  met: boolean | null;
}

/** What a figure hands back: its table rows and every raw number behind them. */
export interface FigureResult {
  key: string;
  rows: Row[];
  raw: Record<string, unknown>;
}

export function skipped(key: string, figure: string, target: string, why: string): FigureResult {
  return {
    key,
    rows: [{ figure, measured: `skipped: ${why}`, target, met: null }],
    raw: { skipped: why },
  };
}
