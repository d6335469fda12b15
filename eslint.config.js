// ESLint (flat config): typescript-eslint's recommended rules on src/, viewer/, bench/ and scripts/;
// formatting is Prettier's job (eslint-config-prettier turns the style rules off).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'training/', 'docs/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
    },
  },
  // the viewer's page: browser globals; tsc (viewer/tsconfig.json, DOM types) checks undefined names, as typescript-eslint advises
  { files: ['viewer/**/*.ts'], rules: { 'no-undef': 'off' } },
  // golden values are copied verbatim from the reference implementation's printout
  { files: ['**/*.test.ts'], rules: { 'no-loss-of-precision': 'off' } },
);
