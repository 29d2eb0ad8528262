// The Docker suites run first, on an engine nothing else in the run has touched yet;
// the rest keep jest's own order (slowest and previously failed first).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- jest loads this file as CommonJS
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['docker.e2e-spec.ts', 'compose.e2e-spec.ts', 'runtime-choice.e2e-spec.ts'];
const rank = (path) => {
  const i = FIRST.findIndex((name) => path.endsWith(name));
  return i === -1 ? FIRST.length : i;
};

class DockerFirstSequencer extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    return [...ordered].sort((a, b) => rank(a.path) - rank(b.path));
  }
}

module.exports = DockerFirstSequencer;
