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
		// Absolute asset URLs: the service worker answers every crew URL offline with the one cached /crew page,
		// whose relative URLs would otherwise resolve against the wrong path (/crew/orders/_app/…).
		paths: { relative: false },
		// hooks.server.ts checks the Origin of form posts itself (scheme-independent, JSON answers for APIs):
		// SvelteKit's own check assumes https behind adapter-node unless ORIGIN is set.
		csrf: { trustedOrigins: ['*'] }
	}
};

export default config;
