import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The floors of docs/architecture.md are an ESLint rule: an upward or sideways import fails lint. */
const root = join(__dirname, '..');
type Case = [file: string, importLine: string];

/** One ESLint process lints every case (its ESM config does not load inside jest's CommonJS). */
function lintAll(cases: Case[]): string[] {
  const script = `
    const { ESLint } = require('eslint');
    const cases = JSON.parse(process.argv[1]);
    (async () => {
      const eslint = new ESLint({ cwd: process.cwd() });
      const out = [];
      for (const [filePath, line] of cases) {
        const name = line.split(' ')[2];
        const [result] = await eslint.lintText(line + '\\nexport const used = ' + name + ';\\n', { filePath });
        out.push(result.messages.map((m) => m.ruleId + ': ' + m.message).join('\\n'));
      }
      console.log(JSON.stringify(out));
    })().catch((err) => { console.error(err); process.exit(1); });
  `;
  const run = spawnSync(process.execPath, ['-e', script, JSON.stringify(cases)], {
    cwd: root,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`eslint failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

const refused: Case[] = [
  ['src/database/example.ts', "import { NodesService } from '../nodes/nodes.service';"],
  ['src/database/entities/example.ts', "import { PodsService } from '../../pods/pods.service';"],
  [
    'src/scheduler/example.ts',
    "import { KubeNodesService } from '../kube-api/kube-nodes.service';",
  ],
  ['src/nodes/example.ts', "import { PodsService } from '../pods/pods.service';"],
  ['src/domain/example.ts', "import { APP_CONFIG } from '../config/app-config';"],
  ['src/scheduler/strategies/example.ts', "import { NodeEntity } from '../../database/entities';"],
  ['src/events/example.ts', "import { AppModule } from '../app.module';"],
  ['src/runtimes/example.ts', "import { NodesService } from '../nodes/nodes.service';"],
  // SQL only in repositories
  ['src/events/example.ts', "import { DataSource } from 'typeorm';"],
  ['src/common/example.ts', "import { InjectDataSource } from '@nestjs/typeorm';"],
];
const allowed: Case[] = [
  ['src/nodes/example.ts', "import { SchedulerService } from '../scheduler/scheduler.service';"],
  ['src/database/example.ts', "import { NodeView } from '../scheduler/strategies/types';"],
  ['src/kube-api/example.ts', "import { PodsService } from '../pods/pods.service';"],
  ['src/docker/example.ts', "import { NodeRuntime } from '../runtimes/node-runtime';"],
  ['src/nodes/example.ts', "import { NODE_RUNTIME } from '../runtimes/node-runtime';"],
  ['src/database/example.ts', "import { DataSource } from 'typeorm';"],
  [
    'src/scheduler/strategies/example.ts',
    "import { FAILURE_MODES } from '../../domain/failure-mode';",
  ],
];

describe('the floors lint rule', () => {
  let messages: string[] = [];
  beforeAll(() => {
    messages = lintAll([...refused, ...allowed]);
  }, 60_000);

  it.each(refused.map((c, i) => [c[0], c[1], i] as const))(
    'refuses an import from above or beside in %s',
    (_file, _line, i) => {
      expect(messages[i]).toMatch(/no-restricted-imports: .*floor|strategies/);
    },
  );

  it.each(allowed.map((c, i) => [c[0], c[1], refused.length + i] as const))(
    'allows an import from below in %s',
    (_file, _line, i) => {
      expect(messages[i]).not.toMatch(/no-restricted-imports/);
    },
  );
});
