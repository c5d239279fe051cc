// ESLint: Next's rules (React, React Hooks, accessibility, Core Web Vitals) and typescript-eslint's.
// Formatting is Prettier's job (npm run format), not the linter's.
import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';

const config = [
  { ignores: ['.next/**', 'out/**', 'node_modules/**', 'public/**', 'test-results/**', 'playwright-report/**', 'tmp/**', 'next-env.d.ts'] },
  ...nextVitals,
  ...nextTypescript,
  // A disable comment that no longer silences anything is an error: no stale exemptions.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  // CommonJS entry points (a worker thread's loader) can only require.
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
];

export default config;
