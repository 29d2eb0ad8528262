/** CPU is fractional cores on the wire and integer millicores in the database. */
export const coresToMillis = (cores: number): number => Math.round(cores * 1000);
export const millisToCores = (millis: number): number => Math.round(millis) / 1000;

/** A node's simulated pod range, 10.244.<n>.0/24 as in Kubernetes' default flannel setup. */
export function podCidr(nodeId: number): string {
  return `10.244.${nodeId % 256}.0/24`;
}

/** The n-th address handed out on a node: .2 to .254, wrapping (the range holds 253 pods). */
export function podIp(nodeId: number, seq: number): string {
  return `10.244.${nodeId % 256}.${2 + ((seq - 1) % 253)}`;
}

/** The memory of a node registered without a size: 4 GiB (4096 MiB) per core. */
export const MEMORY_MB_PER_CORE = 4096;
export const defaultMemoryMb = (cpuTotalM: number): number =>
  Math.floor((cpuTotalM * MEMORY_MB_PER_CORE) / 1000);
