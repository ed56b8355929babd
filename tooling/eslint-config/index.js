// Shared lint rules: the house style's "no any", "import type", no silent catch.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
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
      // One Kafka layer: kafka/ (@fraud/kafka) is the only importer of kafkajs (its eslint config turns this off).
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'kafkajs', message: 'import Kafka through @fraud/kafka' }] },
      ],
    },
  },
  {
    // One configuration catalogue: only env modules read the environment, through a zod schema
    // (cli/test/config-catalogue.test.ts checks the same for every file, scripts and bench included).
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'parse it with a zod schema in an env module (env.ts)' },
      ],
    },
  },
  {
    files: ['**/env.ts', '**/*-env.ts', '**/test/**', '**/*.test.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    // The producer benchmark's "kafkajs at most" ceiling measures raw kafkajs on purpose, in a plain
    // worker thread that cannot load the TypeScript @fraud/kafka.
    files: ['**/bench/lib/kafkajs-max-worker.mjs'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
