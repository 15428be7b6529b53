import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

const PING_TIMEOUT_MS = 2000; // 2 seconds

/** 200 when the store answers and the schema/seed are in place; 503 otherwise. Public, no data. */
export const GET: RequestHandler = async () => {
	const ctx = getContext();
	let reachable = false;
	let reason: string | undefined;
	try {
		await ctx.store.ping(AbortSignal.timeout(PING_TIMEOUT_MS));
		reachable = true;
	} catch (e) {
		reason = e instanceof Error ? e.message : String(e);
		console.error(`[healthz] store unreachable: ${reason}`);
	}
	const ok = reachable && ctx.isReady();
	return json(
		{
			status: ok ? 'ok' : 'unavailable',
			store: { kind: ctx.storeKind, reachable, ready: ctx.isReady() },
			// Open311 searches and the managers' figures come from memory once the orders feed has loaded them.
			open311_index: { ready: ctx.orders.ready, requests: ctx.requests.size },
			reports_index: { ready: ctx.orders.ready, requests: ctx.reports.size }
		},
		{ status: ok ? 200 : 503, headers: { 'cache-control': 'no-store' } }
	);
};
