/**
 * A pod's footprint on the node's disk, under `{dataDir}/pods/{podName}/`:
 *   volumes/{volume}/        emptyDir, hostPath (simulated: never the real host path) and
 *                            unknown types as plain folders;
 *   volumes/{volume}/{key}   configMap volumes get the pod's configMap items, secret
 *                            volumes its secret items (files 0600, folder 0700);
 *   env                      the pod's env items as KEY=value lines.
 * Names that come from the API are checked before they touch a path, so a pod can
 * never write outside its own folder.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configKeyProblem, isSafeFileName } from './pod-rules';
import { ConfigSpec, PodAssignment } from './wire';

export { isSafeFileName };

/** Why the pod's files cannot be written, or null. Names only: values may be secret. */
export function podFilesProblem(pod: PodAssignment): string | null {
  if (!isSafeFileName(pod.name)) return `pod name ${JSON.stringify(pod.name)} is not a file name`;
  for (const volume of pod.volumes) {
    if (!isSafeFileName(volume.name)) {
      return `volume name ${JSON.stringify(volume.name)} is not a file name`;
    }
  }
  for (const item of pod.config) {
    const problem = configKeyProblem(item.type, item.key);
    if (problem) return problem;
  }
  return null;
}

/** The pod's environment: its env items, the last one winning for a repeated key. */
export function podEnvironment(config: readonly ConfigSpec[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of config) if (item.type === 'env') env[item.key] = item.value;
  return env;
}

/**
 * One KEY=value line per variable. Backslashes, newlines and carriage returns in values
 * are escaped (\\, \n, \r) so every variable stays on one line.
 */
export function envFileContent(env: Record<string, string>): string {
  return Object.entries(env)
    .map(
      ([key, value]) =>
        `${key}=${value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}\n`,
    )
    .join('');
}

/** Writes the pod's folder. The caller has checked podFilesProblem(pod) first. */
export async function materialisePod(podDir: string, pod: PodAssignment): Promise<void> {
  await mkdir(join(podDir, 'volumes'), { recursive: true });
  const configMaps = pod.config.filter((item) => item.type === 'configMap');
  const secrets = pod.config.filter((item) => item.type === 'secret');
  for (const volume of pod.volumes) {
    const dir = join(podDir, 'volumes', volume.name);
    if (volume.type === 'configMap') await writeItems(dir, configMaps, 0o755, 0o644);
    else if (volume.type === 'secret') await writeItems(dir, secrets, 0o700, 0o600);
    // emptyDir survives container restarts and agent restarts: created, never emptied here.
    else await mkdir(dir, { recursive: true });
  }
  await writeFile(join(podDir, 'env'), envFileContent(podEnvironment(pod.config)), { mode: 0o644 });
}

export async function removePodDir(podDir: string): Promise<void> {
  await rm(podDir, { recursive: true, force: true });
}

/** Rewritten from scratch each time, so a key removed from the pod does not linger. */
async function writeItems(
  dir: string,
  items: readonly ConfigSpec[],
  dirMode: number,
  fileMode: number,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: dirMode });
  for (const item of items) {
    const file = join(dir, item.key);
    await writeFile(file, item.value, { mode: fileMode });
    // The mode given to writeFile passes through the umask; set it exactly.
    await chmod(file, fileMode);
  }
}
