// Shared lint rules: the house style's "no any", "import type", no silent catch.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(js.configs.recommended, ...tseslint.configs.recommended, {
  rules: {
    '@typescript-eslint/no-explicit-any': 'error',
    '@typescript-eslint/consistent-type-imports': 'error',
    'no-empty': ['error', { allowEmptyCatch: false }],
    // `_name`: deliberately unused (express's four-argument error handlers, rest siblings that drop a field)
    '@typescript-eslint/no-unused-vars': [
      'error',
      { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
    ],
    // a `let` assigned once after closures that read it (service wiring) is not a const
    'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
  },
});
