import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { listServiceTypes } from '$lib/server/directory';
import { api } from '$lib/server/http';
import { getBusinessHours } from '$lib/server/analytics/sla-config';
import type { RequestHandler } from './$types';

/** Admins: the business hours and every service type's SLA target. */
export const GET: RequestHandler = api(async () => {
	const { store } = getContext();
	const [hours, types] = await Promise.all([getBusinessHours(store), listServiceTypes(store)]);
	return json({
		business_hours: hours,
		service_types: types
			.map((t) => ({ code: t.service_code, name: t.service_name, department: t.department, sla_hours: t.sla_hours, sla_business_hours: t.sla_business_hours }))
			.sort((a, b) => a.name.localeCompare(b.name))
	});
});
