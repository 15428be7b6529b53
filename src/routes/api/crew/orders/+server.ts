import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { crewOrders } from '$lib/server/crew-orders';
import type { RequestHandler } from './$types';

/** A crew member's own crew's open orders, nearest to the depot first. */
export const GET: RequestHandler = api(async ({ locals }) => {
	const { crew, orders } = await crewOrders(getContext().store, locals.user!);
	return json({ crew, orders, total: orders.length });
});
