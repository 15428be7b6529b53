import { ApiError } from '$lib/client/api';
import { listConflicts, parseStateFilter, type ConflictItem } from '$lib/client/conflicts';
import type { PageLoad } from './$types';

/**
 * Through the data layer with SvelteKit's fetch: on the server for the first paint (the session cookie goes
 * along), in the browser when the state filter changes. A failed answer is shown on the page, not as an
 * error page: a manager (staff, but not allowed the inbox) reads the server's reason.
 */
export const load: PageLoad = async ({ data, fetch, url }) => {
	const state = parseStateFilter(url.searchParams.get('state'));
	let conflicts: ConflictItem[] = [];
	let loadError: string | null = null;
	try {
		conflicts = await listConflicts(state, fetch);
	} catch (e) {
		if (!(e instanceof ApiError)) throw e;
		loadError = e.message;
	}
	return { ...data, state, conflicts, loadError };
};
