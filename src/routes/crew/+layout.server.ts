import { syncPathFor } from '$lib/server/auth/auth-service';
import { getContext } from '$lib/server/context';
import { crewDocId, crewSchema } from '$lib/domain';
import { DIRECTORY_DB } from '$lib/server/store/schema';
import type { LayoutServerLoad } from './$types';

/** Who is signed in and where their crew syncs; the orders themselves come from the tablet's database. */
export const load: LayoutServerLoad = async ({ locals }) => {
	const user = locals.user!;
	const crew = crewSchema.parse(await getContext().store.db(DIRECTORY_DB).get(crewDocId(user.crew!)));
	return {
		login: { user: { id: user.id, role: user.role, crew: user.crew }, sync_path: syncPathFor(user) },
		crew: { id: crew.id, name: crew.name, depot: crew.depot }
	};
};
