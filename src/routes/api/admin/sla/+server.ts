import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { slaSettings } from '$lib/server/analytics/sla-config';
import type { RequestHandler } from './$types';

/** Admins: the business hours and every service type's SLA target. */
export const GET: RequestHandler = api(async () => json(await slaSettings(getContext().store)));
