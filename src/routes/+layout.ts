import { browser } from '$app/environment';
import { loadSession } from '$lib/client/session';
import type { LayoutLoad } from './$types';

/** The session for every page; offline, the device's kept copy (see $lib/client/session.ts). */
export const load: LayoutLoad = async ({ fetch }) => ({
	session: await loadSession(fetch, browser ? localStorage : null)
});
