import { error, redirect } from '@sveltejs/kit';
import type { LayoutLoad } from './$types';

/**
 * The crew screens render in the browser only: their data is the tablet's own database, and the service
 * worker serves one shell for all of them offline (no server data to fetch per page).
 */
export const ssr = false;

export const load: LayoutLoad = async ({ parent, url }) => {
	const { session } = await parent();
	if (!session) redirect(307, `/login?next=${encodeURIComponent(url.pathname)}`);
	if (session.user.role !== 'crew' || !session.crew || !session.sync_path) error(403, 'These screens are for crew members');
	return {
		login: { user: session.user, sync_path: session.sync_path },
		crew: session.crew,
		offlineStart: session.offline
	};
};
