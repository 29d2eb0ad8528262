/** A duration as the monitor's events word it: `15.0 s`. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
