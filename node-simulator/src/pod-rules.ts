/**
 * What a pod's data must be for an agent to write it to disk. The agent checks every
 * pod it is given with these functions and the API server refuses pods that break
 * them, with the same functions, so a pod the API accepted never fails on its node
 * for its names. Plain functions only: the agent is built from this folder alone.
 */

/** A pod's config and secret data, keys and values, at most 1 MiB (as Kubernetes limits a ConfigMap or Secret). */
export const MAX_POD_CONFIG_BYTES = 1024 * 1024;

const SAFE_FILE_NAME = /^[-._A-Za-z0-9]{1,253}$/;
const ENV_NAME = /^[-._A-Za-z][-._A-Za-z0-9]*$/;

/** One path segment of letters, digits, `-`, `_` and `.`: never `.`, `..`, a slash or a newline. */
export function isSafeFileName(name: string): boolean {
  return SAFE_FILE_NAME.test(name) && name !== '.' && name !== '..';
}

/**
 * Why a config item's key cannot be written, or null: env keys become variable
 * names, configMap and secret keys file names in the pod's volumes.
 */
export function configKeyProblem(type: string, key: string): string | null {
  if (type === 'env') {
    return ENV_NAME.test(key)
      ? null
      : `env key ${JSON.stringify(key)} is not a variable name (letters, digits, "-", "_" and ".", not starting with a digit)`;
  }
  return isSafeFileName(key)
    ? null
    : `${type} key ${JSON.stringify(key)} is not a file name (1 to 253 letters, digits, "-", "_" and ".", not "." or "..")`;
}

/** Bytes of a pod's config data as counted against MAX_POD_CONFIG_BYTES: keys and values, UTF-8. */
export function configDataBytes(items: ReadonlyArray<{ key: string; value: string }>): number {
  let bytes = 0;
  for (const item of items) bytes += Buffer.byteLength(item.key) + Buffer.byteLength(item.value);
  return bytes;
}
