// Shared lint rules: the house style's "no any", "import type", no silent catch.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(js.configs.recommended, ...tseslint.configs.recommended, {
  rules: {
    '@typescript-eslint/no-explicit-any': 'error',
    '@typescript-eslint/consistent-type-imports': 'error',
    'no-empty': ['error', { allowEmptyCatch: false }],
  },
});
