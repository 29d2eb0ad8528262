// ESLint with the TypeScript rules; Prettier owns the format.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The floors of src/ (docs/architecture.md): a directory may import from its own floor's
 * foundation and from the floors below, never from above. The API modules do not import each
 * other; the control loops and the Kubernetes API sit above them and drive them through their
 * services. `app.module`, `bootstrap` and `main` on top wire everything. The scheduling
 * strategies are pure domain code (their own rule below keeps them free of any framework).
 */
const FLOORS = [
  ['domain', 'scheduler/strategies'],
  ['config', 'common', 'database', 'events', 'metrics', 'usage'],
  ['scheduler', 'runtimes', 'docker'],
  ['nodes', 'pods', 'cluster', 'health', 'network'],
  ['health-monitor', 'autoscaler', 'kube-api', 'workloads', 'scenarios'],
];
const SIDEWAYS_FORBIDDEN = new Set([3]);
const TOP = ['app.module', 'bootstrap', 'main', 'openapi-document'];

/** SQL and the ORM stay in src/database: everything else asks a repository. */
const NO_SQL = {
  group: ['typeorm', '@nestjs/typeorm', 'pg'],
  message:
    'SQL and the ORM live on the database floor (docs/architecture.md): call a repository of src/database instead',
};

function floorRules() {
  return FLOORS.map((dirs, floor) => {
    const above = FLOORS.slice(floor + 1).flat();
    const forbidden = [...above, ...TOP];
    const rules = [];
    for (const dir of dirs) {
      if (dir === 'scheduler/strategies') continue;
      const sideways = SIDEWAYS_FORBIDDEN.has(floor) ? dirs.filter((d) => d !== dir) : [];
      const names = [...forbidden, ...sideways].map((d) =>
        d === 'scheduler' ? 'scheduler(?!/strategies(/|$))' : d,
      );
      rules.push({
        files: [`src/${dir}/**/*.ts`],
        ignores: ['**/*.spec.ts', 'src/scheduler/strategies/**'],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  // a relative import that climbs out of src/<dir> into a directory above it
                  regex: `^(\\.\\./)+(${names.join('|')})(/|$)`,
                  message: `src/${dir} is on floor ${floor} of docs/architecture.md: it may not import from a floor above or beside it`,
                },
                ...(dir === 'database' ? [] : [NO_SQL]),
              ],
            },
          ],
        },
      });
    }
    return rules;
  }).flat();
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'node-simulator/dist/**',
      'coverage/**',
      'openapi/**',
      'postman/**',
      'bench/results/**',
      '.kubesim/**',
      'cli/generated/**',
      'node-simulator/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        __filename: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    // the scheduler core is pure: no framework, database or Docker in it
    files: ['src/scheduler/strategies/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'typeorm', 'pg', 'dockerode'],
              message: 'the strategies are pure',
            },
            { regex: '^\\.\\./\\.\\./(?!domain/)', message: 'strategies import only src/domain' },
          ],
        },
      ],
    },
  },
  ...floorRules(),
  {
    files: ['web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        localStorage: 'readonly',
        EventSource: 'readonly',
        Chart: 'readonly',
        HTMLElement: 'readonly',
        HTMLButtonElement: 'readonly',
        HTMLCanvasElement: 'readonly',
        HTMLDialogElement: 'readonly',
        HTMLFormElement: 'readonly',
        HTMLInputElement: 'readonly',
        HTMLSelectElement: 'readonly',
        location: 'readonly',
        navigator: 'readonly',
        requestAnimationFrame: 'readonly',
        IntersectionObserver: 'readonly',
        Node: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        console: 'readonly',
        URLSearchParams: 'readonly',
        CustomEvent: 'readonly',
        Event: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
