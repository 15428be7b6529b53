import { json } from '@sveltejs/kit';
import { loadBoard } from '$lib/server/board';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import type { RequestHandler } from './$types';

/** Staff: the dispatch board's data (open orders, closed in the last day, crews, lists). */
export const GET: RequestHandler = api(async () => {
	const ctx = getContext();
	return json(await loadBoard(ctx.store, new Date(), ctx.boardFeed.boardOrdersSource()), { headers: { 'cache-control': 'no-store' } });
});
