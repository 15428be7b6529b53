import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { dispatch } from '$lib/server/dispatch';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Supervisors: {action: 'assign'|'unassign'|'set_priority'|'set_department'|'set_service_type'|'note', payload} on one order. */
export const POST: RequestHandler = api(async ({ params, request, locals }) => {
	const { outcome, order } = await dispatch(getContext().store, locals.user!, params.id!, await readJson(request));
	const { reporter: _private, ...publicOrder } = order;
	void _private;
	return json({ outcome, order: publicOrder }, { status: outcome === 'conflict' ? 409 : 200 });
});
