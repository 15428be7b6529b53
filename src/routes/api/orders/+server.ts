import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { listOpenOrders } from '$lib/server/orders';
import type { RequestHandler } from './$types';

/** Staff: every open order (hooks.server.ts limits this path to supervisor, manager and admin). */
export const GET: RequestHandler = api(async () => {
	const orders = await listOpenOrders(getContext().store);
	return json({ orders, total: orders.length });
});
