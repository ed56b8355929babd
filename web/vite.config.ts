import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  ssr: {
    // Workspace packages are TypeScript sources that locate their own files (e.g. the .avsc
    // schemas) relative to themselves, so the server loads them in place, through tsx
    // (`node --import tsx build/index.js`, see cli/src/commands/web.ts), rather than bundled.
    external: ['@fraud/common', '@fraud/schemas', '@fraud/sinks'],
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
});
