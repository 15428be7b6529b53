import { getContext } from '$lib/server/context';
import { listCrews, listDepartments } from '$lib/server/directory';
import type { PageServerLoad } from './$types';

/**
 * Names for the ids on the cards. The conflicts themselves load in +page.ts through /api/conflicts, so the
 * API's role check (supervisor, admin) is the only one.
 */
export const load: PageServerLoad = async () => {
	const store = getContext().store;
	const [crews, departments] = await Promise.all([listCrews(store), listDepartments(store)]);
	return {
		crewNames: Object.fromEntries(crews.map((c) => [c.id, c.name])) as Record<string, string>,
		departmentNames: Object.fromEntries(departments.map((d) => [d.id, d.name])) as Record<string, string>
	};
};
