import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/coverage/**', '**/node_modules/**', '**/.nx/**', '**/files/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.mjs', '**/*.js'],
    plugins: { '@nx': nx },
    languageOptions: { globals: globals.node },
    rules: {
      // DESIGN.md: apps -> libs, tools -> libs, libs never import apps or tools; no app imports another app.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:tool'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },
  {
    // The SDK's private members are reached in the lane's two files only: sdk-internals.ts declares and probes
    // each (a release without one turns the lane off), dispatch.ts calls them through that typed view.
    files: ['libs/runtime/src/**/*.ts'],
    ignores: ['libs/runtime/src/**/*.test.ts', 'libs/runtime/src/lane/sdk-internals.ts', 'libs/runtime/src/lane/dispatch.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'MemberExpression[property.name=/^_(?!meta$|aws$)/]',
          message: 'an SDK private member: reach it through libs/runtime/src/lane/sdk-internals.ts, which probes it at start-up',
        },
      ],
    },
  },
  {
    // Scripts talk to a person on the terminal; tests may print measurements.
    files: [
      'tools/build/**',
      'tools/dev/**',
      'tools/*-e2e/**',
      'tools/deploy/**',
      'tools/ci/**',
      'tools/nx-cache/**',
      'tools/perf/**',
      'tools/cli-kit/**',
      '**/*.bench.ts',
      '**/test/fixtures/**',
      'tools/conformance-server/src/*.test.ts',
    ],
    rules: { 'no-console': 'off' },
  },
);
