// Lint: typed rules for the whole tree, and the Temporal samples' guard on workflow code
// (deterministic sandbox: no Node builtins, no I/O libraries, only types from activities).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'test/e2e/screenshots/',
      'generated/',
      '.tools/',
      '.data/',
      'coverage/',
      'bench/results/',
      '**/*.js',
      '**/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code runs in a deterministic sandbox: no Node builtins' },
            {
              group: ['twilio', 'pg', 'luxon', 'express', '@prisma/*', '../generated/*', '../src/infra/*'],
              message: 'no I/O libraries in workflow code',
            },
          ],
          paths: [
            { name: 'crypto', message: 'no Node builtins in workflow code' },
            { name: 'fs', message: 'no Node builtins in workflow code' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/index.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../activities', '../activities/*'],
              allowTypeImports: true,
              message: 'workflows import only types from activities',
            },
          ],
        },
      ],
    },
  },
);
