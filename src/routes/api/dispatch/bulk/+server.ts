import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { dispatchBulk } from '$lib/server/dispatch';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

/**
 * Supervisors: one action on many orders ({orders, action, payload}) or one per order ({operations:
 * [{order, action, payload}]}). 200 with a result per order, in the order given.
 */
export const POST: RequestHandler = api(async ({ request, locals }) => {
	const results = await dispatchBulk(getContext().store, locals.user!, await readJson(request));
	return json({ results, applied: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length });
});
