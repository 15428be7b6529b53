import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ out: 'build' }),
		files: {
			// The service worker lives at the top level (see DESIGN.md), built with Workbox.
			serviceWorker: 'service-worker/index'
		},
		serviceWorker: { register: false },
		// hooks.server.ts checks the Origin of form posts itself (scheme-independent, JSON answers for APIs):
		// SvelteKit's own check assumes https behind adapter-node unless ORIGIN is set.
		csrf: { trustedOrigins: ['*'] }
	}
};

export default config;
