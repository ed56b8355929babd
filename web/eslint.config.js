import config from '@fraud/eslint-config';

// .svelte files are checked by svelte-check (npm run typecheck -w @fraud/web); eslint covers the TypeScript.
export default [{ ignores: ['build/**', '.svelte-kit/**'] }, ...config];
