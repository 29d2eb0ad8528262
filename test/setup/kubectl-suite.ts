import { execFileSync } from 'node:child_process';

/**
 * The gate of the Kubernetes API suites driven by the real kubectl: skipped on purpose with
 * KUBESIM_SKIP_KUBECTL=1, else kubectl must be on PATH.
 */
const SKIP = process.env.KUBESIM_SKIP_KUBECTL === '1';

/** describe, or describe.skip under KUBESIM_SKIP_KUBECTL=1; fails the file if kubectl is missing. */
export function kubectlSuite(): jest.Describe {
  if (SKIP) {
    console.warn(
      '\n*** KUBESIM_SKIP_KUBECTL=1: the kubectl suite (test/kube-api*.e2e-spec.ts) is SKIPPED ***\n',
    );
  }
  beforeAll(() => {
    if (SKIP) return;
    try {
      execFileSync('kubectl', ['version', '--client'], { stdio: 'pipe' });
    } catch {
      throw new Error(
        'kubectl is not on PATH: the Kubernetes API suite needs it. Install kubectl, or set KUBESIM_SKIP_KUBECTL=1 to skip this suite on purpose.',
      );
    }
  });
  return SKIP ? describe.skip : describe;
}

/** The rows of kubectl's table output, cells split where kubectl puts 2+ spaces. */
export function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split('\n')
    .filter((l) => l.trim().length)
    .map((l) => l.trim().split(/\s{2,}/));
}

export function row(stdout: string, name: string, column = 0): string[] | undefined {
  return rows(stdout).find((r) => r[column] === name);
}
