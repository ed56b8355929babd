import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig, type Plugin } from 'vite';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const webDir = resolve(repoRoot, 'web');

/**
 * Workspace packages (@fraud/*) are TypeScript sources bundled into the server build. Some find
 * their own files relative to themselves (schemas/ reads ../avro/*.avsc via import.meta.url);
 * bundling would move import.meta.url to the chunk, so it is pinned to the source file's URL.
 * The build therefore runs from the checkout it was built in (as node_modules do anyway).
 */
function pinWorkspaceImportMetaUrl(): Plugin {
  return {
    name: 'fraud-pin-import-meta-url',
    enforce: 'pre',
    transform(code, id) {
      const file = id.split('?')[0] ?? id;
      if (!file.startsWith(repoRoot) || file.startsWith(webDir) || file.includes('/node_modules/')) return null;
      if (!code.includes('import.meta.url')) return null;
      return { code: code.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(file).href)), map: null };
    },
  };
}

export default defineConfig({
  plugins: [pinWorkspaceImportMetaUrl(), sveltekit()],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
});
