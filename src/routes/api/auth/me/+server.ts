import { json } from '@sveltejs/kit';
import { crewDocId, crewSchema } from '$lib/domain';
import { syncPathFor } from '$lib/server/auth/auth-service';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { DIRECTORY_DB } from '$lib/server/store/schema';
import type { RequestHandler } from './$types';

/**
 * The signed-in user (hooks.server.ts has already answered 401 without a session), where their crew syncs
 * and, for a crew member, the crew's name and depot: the tablet keeps this to start offline.
 */
export const GET: RequestHandler = api(async ({ locals }) => {
	const user = locals.user!;
	let crew = null;
	if (user.crew) {
		const doc = crewSchema.parse(await getContext().store.db(DIRECTORY_DB).get(crewDocId(user.crew)));
		crew = { id: doc.id, name: doc.name, depot: doc.depot };
	}
	return json({ user, sync_path: syncPathFor(user), crew });
});
