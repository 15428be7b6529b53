import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { MAX_EXPORT_DAYS } from '$lib/server/analytics/export';
import { cityDay } from '$lib/server/analytics/range';
import { parseReportQuery } from '$lib/server/analytics/summary';
import type { PageServerLoad } from './$types';

const WAIT_FOR_INDEX_MS = 8000; // then the page says "preparing" and asks again
const DAY_MS = 24 * 60 * 60 * 1000;
const PRESETS: readonly { label: string; days: number | null }[] = [
	{ label: 'Last 30 days', days: 30 },
	{ label: 'Last 90 days', days: 90 },
	{ label: 'Last 12 months', days: 365 },
	{ label: 'All time', days: null }
];

/** The managers' page: figures for the filters in the URL (a GET form), computed on this server. */
export const load: PageServerLoad = async ({ url, locals }) => {
	const ctx = getContext();
	const zone = ctx.config.CITY_TIME_ZONE;
	const now = new Date();
	const query = parseReportQuery(url.searchParams, now, zone);
	if (!query.ok) error(400, query.reason);
	const q = query.value;
	const all = url.searchParams.get('range') === 'all';
	const report = await ctx.reports.summary(q, now, WAIT_FOR_INDEX_MS);
	const today = cityDay(now, zone);
	const presetParams = (days: number | null): Record<string, string> =>
		days === null ? { range: 'all' } : { start_date: cityDay(new Date(+now - (days - 1) * DAY_MS), zone), end_date: today };
	return {
		report,
		read: ctx.orders.read,
		filters: {
			all,
			start_date: all ? null : cityDay(q.start, zone),
			end_date: cityDay(q.end, zone),
			service_codes: q.serviceCodes ?? [],
			period: q.period
		},
		presets: PRESETS.map((p) => ({
			label: p.label,
			params: presetParams(p.days)
		})),
		// Exports hold a year at most (streamed from the store, not from memory).
		exportable: !all && +q.end - +q.start <= MAX_EXPORT_DAYS * DAY_MS,
		exportLimitDays: MAX_EXPORT_DAYS,
		canEditSla: locals.user!.role === 'admin'
	};
};
