import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { listConflicts } from '$lib/server/sync/conflicts';
import type { RequestHandler } from './$types';

/** Supervisors: conflicts with both sides (?state=open|accepted|dismissed|all, default open). */
export const GET: RequestHandler = api(async ({ url }) => {
	const conflicts = await listConflicts(getContext().store, url.searchParams.get('state'));
	return json({ conflicts, total: conflicts.length });
});
