import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * CSP: SvelteKit hashes its own inline bootstrap script (mode 'hash'), so no 'unsafe-inline' for
 * scripts. connect-src gets the live feed's origin added per response in hooks.server.ts because
 * it is runtime configuration (LIVE_FEED_URL), not build-time.
 * CSRF: SvelteKit's origin check covers form posts; hooks.server.ts applies the same check to
 * every other non-GET request (JSON endpoints).
 */
/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build', precompress: false }),
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'connect-src': ['self'],
        'font-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
  },
};

export default config;
