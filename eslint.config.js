// Lint rules: typescript-eslint's recommended type-aware set, plus the few rules the team relies on.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './scripts/lint/layers.mjs';

export default tseslint.config(
  { ignores: ['node_modules/**', '.airfeed/**', '.airfeed-engine/**', 'dist/**', 'dist.tmp-*/**', 'dist.old-*/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { airfeed: layers },
    rules: {
      // Imports run one way between the product folders: see scripts/lint/layers.mjs.
      'airfeed/layers': 'error',
      'no-console': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/only-throw-error': 'error',
      // Async functions without await are fine: they keep an async contract (e.g. generators as streams).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // Every skip says why, through skipUnless (test/helpers/skip.ts): the run's last lines list them.
    files: ['test/**/*.ts'],
    ignores: ['test/helpers/skip.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        ...['skip', 'skipIf', 'runIf'].map((property) => ({
          property,
          message: 'Use skipUnless(condition, reason) from test/helpers/skip.ts, so that the run says what was skipped and why.',
        })),
      ],
    },
  },
  {
    // The CLI and scripts are where errors become output; they may print.
    files: ['feed-service/cli/**', 'engine-client/cli/**', 'drivers/_framework/cli/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
