import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { suggest } from '$lib/server/dispatch';
import { api, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Supervisors: {orders: [ids]} -> a proposed crew per unassigned order, and crews' workload before/after. Changes nothing. */
export const POST: RequestHandler = api(async ({ request, locals }) => json(await suggest(getContext().store, locals.user!, await readJson(request))));
