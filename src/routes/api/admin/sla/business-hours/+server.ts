import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api, readJson } from '$lib/server/http';
import { saveBusinessHours } from '$lib/server/analytics/sla-config';
import type { RequestHandler } from './$types';

/** Admins: the city's business hours and holidays ({days, open, close, holidays}). */
export const PUT: RequestHandler = api(async ({ request, locals }) =>
	json({ business_hours: await saveBusinessHours(getContext().store, locals.user!, await readJson(request)) })
);
