// Lint: typescript-eslint with type information, for the mistakes a verification tool cannot afford
// (a promise nobody awaits in a signal handler, a switch over verdicts that misses one). Formatting is
// Prettier's job (.prettierrc.json), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'reports/', 'test-results/', 'load/k6/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A value a closure reads before its single assignment (a server handler set up before the URL is known) stays let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-console': 'error',
      // Deliberate: revgate strips control characters and ANSI escapes from what it reports.
      'no-control-regex': 'off',
    },
  },
  {
    // Published coefficients (Lanczos, Acklam, reference values) are kept digit for digit as their sources print them.
    files: ['src/stats/special.ts', 'test/unit/stats-special.test.ts'],
    rules: { 'no-loss-of-precision': 'off' },
  },
  {
    // Scripts and tests print their figures; bin/ and the .mjs helpers are plain JavaScript outside the TS project.
    files: ['scripts/**', 'test/**', 'bin/**', '**/*.mjs', '**/*.js'],
    rules: { 'no-console': 'off' },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  {
    // The chart script inlined into report.html runs in the browser, beside uPlot.
    files: ['assets/report/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', uPlot: 'readonly', requestAnimationFrame: 'readonly', cancelAnimationFrame: 'readonly' },
    },
  },
);
