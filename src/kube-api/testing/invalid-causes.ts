import { KubeError } from '../kube-status';

/** The causes of the 422 a piece of work answers, as `field: message` lines (none when it passes). */
export const causesOf = (work: () => unknown): string[] => {
  try {
    work();
  } catch (err) {
    if (err instanceof KubeError)
      return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    throw err;
  }
  return [];
};
