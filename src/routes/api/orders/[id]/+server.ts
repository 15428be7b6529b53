import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { getOrder } from '$lib/server/orders';
import type { RequestHandler } from './$types';

/** Staff: one order with its history, notes and photo references (hooks.server.ts limits /api/orders to staff). */
export const GET: RequestHandler = api(async ({ params }) => json(await getOrder(getContext().store, params.id!)));
