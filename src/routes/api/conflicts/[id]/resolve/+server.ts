import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import { resolveConflict } from '$lib/server/sync/conflicts';
import type { RequestHandler } from './$types';

/** Supervisors: {decision: 'accept' | 'dismiss', reason}. */
export const POST: RequestHandler = api(async ({ params, request, locals }) => {
	const conflict = await resolveConflict(getContext().store, params.id!, await readJson(request), locals.user!);
	return json({ conflict });
});
