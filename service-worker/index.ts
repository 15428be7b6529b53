/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * The offline shell (issue 03), built with Workbox:
 * - precaches every built file and static asset, versioned by SvelteKit's build version; old precaches and old
 *   page caches are deleted when a new version activates;
 * - navigations to the crew screens go to the network first (so sign-in checks and new releases are seen)
 *   and fall back, offline, to the page cached for that URL or to the crew shell (the crew screens render in
 *   the browser from the tablet's database, so one shell serves them all); other pages fall back to
 *   /offline.html;
 * - a new version waits until the page asks it to take over ("new version available — reload"), so a page
 *   never runs against files of another version.
 * The API, the sync gateway and the tiles are not handled here: the app's data layer knows they can fail.
 */
import { build, files, version } from '$service-worker';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { ExpirationPlugin } from 'workbox-expiration';

declare const self: ServiceWorkerGlobalScope;

const PAGES_CACHE_PREFIX = 'fw-pages-';
const PAGES_CACHE = `${PAGES_CACHE_PREFIX}${version}`;
/** The page every crew screen can start from offline. */
const CREW_SHELL = '/crew';
const OFFLINE_PAGE = '/offline.html';
const NAVIGATION_TIMEOUT_S = 4; // seconds: on a weak signal, the cached shell beats a long wait
const MAX_CACHED_PAGES = 50;

/** Paths whose navigations may be answered from the crew shell offline ("/" is the installed app's start). */
const isCrewPath = (pathname: string) => pathname === '/' || pathname === CREW_SHELL || pathname.startsWith(`${CREW_SHELL}/`);

precacheAndRoute([...build, ...files].map((url) => ({ url, revision: version })));
cleanupOutdatedCaches();

const crewPages = new NetworkFirst({
	cacheName: PAGES_CACHE,
	networkTimeoutSeconds: NAVIGATION_TIMEOUT_S,
	plugins: [
		// Only real pages: never a redirect to sign-in (opaque, status 0) or an error page.
		{ cacheWillUpdate: async ({ response }) => (response.status === 200 && !response.redirected ? response : null) },
		new ExpirationPlugin({ maxEntries: MAX_CACHED_PAGES })
	]
});

async function crewShell(): Promise<Response | undefined> {
	const cache = await caches.open(PAGES_CACHE);
	return (await cache.match(CREW_SHELL)) ?? undefined;
}

registerRoute(
	new NavigationRoute(async (options) => {
		const { pathname } = options.url;
		if (isCrewPath(pathname)) {
			try {
				return await crewPages.handle(options);
			} catch {
				// Offline and this URL never cached: the shell renders any crew screen.
				const shell = await crewShell();
				if (shell) return shell;
			}
		} else {
			try {
				return await fetch(options.request);
			} catch {
				// fall through to the offline page
			}
		}
		return (await matchPrecache(OFFLINE_PAGE)) ?? Response.error();
	})
);

/**
 * The offline map (src/lib/map/offline-area.ts stores it in `fw-map-<version>` caches): tiles, glyphs and
 * the style come from the stored copy first; the area manifest from the network first, so a new version is
 * seen when online. Anything not stored goes to the network.
 */
const MAP_CACHE_PREFIX = 'fw-map-';
const AREA_MANIFEST = '/map/area.json';

async function fromMapCaches(url: string): Promise<Response | undefined> {
	for (const name of await caches.keys()) {
		if (!name.startsWith(MAP_CACHE_PREFIX)) continue;
		const hit = await (await caches.open(name)).match(url);
		if (hit) return hit;
	}
	return undefined;
}

registerRoute(
	({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/map/'),
	async ({ url, request }) => {
		if (url.pathname === AREA_MANIFEST) {
			try {
				return await fetch(request);
			} catch {
				return (await fromMapCaches(AREA_MANIFEST)) ?? Response.error();
			}
		}
		return (await fromMapCaches(url.pathname)) ?? fetch(request);
	}
);

/**
 * Install happens online: fetch the crew shell of THIS version now, so the app opens in airplane mode even if
 * the first offline start comes before any crew page was visited with this version. (Signed out, /crew
 * redirects to sign-in and nothing is kept.)
 */
async function warmCrewShell(): Promise<void> {
	try {
		const response = await fetch(CREW_SHELL, { credentials: 'same-origin', redirect: 'manual' });
		if (response.status === 200) await (await caches.open(PAGES_CACHE)).put(CREW_SHELL, response);
	} catch (e) {
		console.warn('[sw] crew shell not cached at install:', e);
	}
}

async function deleteOldPageCaches(): Promise<void> {
	const names = await caches.keys();
	await Promise.all(names.filter((n) => n.startsWith(PAGES_CACHE_PREFIX) && n !== PAGES_CACHE).map((n) => caches.delete(n)));
}

self.addEventListener('install', (event) => event.waitUntil(warmCrewShell()));
self.addEventListener('activate', (event) => event.waitUntil(deleteOldPageCaches().then(() => self.clients.claim())));

self.addEventListener('message', (event) => {
	if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting();
	// Sent by the crew screens once signed in: sign-in usually happens after install, on a page the shell
	// fetch above could not see (it was redirected to /login then).
	if (event.data?.type === 'CACHE_CREW_SHELL') event.waitUntil(warmCrewShell());
});
