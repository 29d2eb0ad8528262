/** How a simulated node can be made to fail (`POST /nodes/:id/simulate-failure`). */
export const FAILURE_MODES = ['crash', 'hang', 'partition'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];
