import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/**
 * CSP: SvelteKit marks its own inline scripts with a per-response nonce (mode 'auto': nonces on
 * rendered pages), so no 'unsafe-inline' for scripts. Not 'hash': the answers of a streamed load
 * (the Explore page) arrive as inline scripts after the header is sent, which no hash can cover,
 * so the browser blocks them and the panels never fill in on a full page load. connect-src gets
 * the live feed's origin added per response in hooks.server.ts because it is runtime
 * configuration (LIVE_FEED_URL), not build-time.
 * CSRF: SvelteKit's origin check covers form posts; hooks.server.ts applies the same check to
 * every other non-GET request (JSON endpoints).
 */
/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build', precompress: false }),
    csp: {
      mode: 'auto',
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
