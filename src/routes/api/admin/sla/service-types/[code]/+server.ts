import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import { setSlaTarget } from '$lib/server/analytics/sla-config';
import type { RequestHandler } from './$types';

/** Admins: one service type's SLA target ({sla_hours, sla_business_hours}). */
export const PUT: RequestHandler = api(async ({ request, locals, params }) => {
	const type = await setSlaTarget(getContext().store, locals.user!, params.code!, await readJson(request));
	return json({ code: type.service_code, sla_hours: type.sla_hours, sla_business_hours: type.sla_business_hours });
});
