import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { BadRequestError, NotReadyError } from '$lib/server/errors';
import { api } from '$lib/server/http';
import { parseReportQuery } from '$lib/server/analytics/summary';
import type { RequestHandler } from './$types';

const WAIT_FOR_INDEX_MS = 20_000; // a fresh server loads its report index on first use
const RETRY_AFTER_S = 5;

/** Staff: the managers' figures for a date range and service types (analytics/summary.ts). */
export const GET: RequestHandler = api(async ({ url }) => {
	const ctx = getContext();
	const now = new Date();
	const query = parseReportQuery(url.searchParams, now, ctx.config.CITY_TIME_ZONE);
	if (!query.ok) throw new BadRequestError(query.reason);
	const report = await ctx.reports.summary(query.value, now, WAIT_FOR_INDEX_MS);
	if (!report) throw new NotReadyError(`The figures are being prepared (${ctx.orders.read} orders read so far): try again in a few seconds`, RETRY_AFTER_S);
	return json(report, { headers: { 'cache-control': 'no-store' } });
});
