/**
 * The managers' figures (issue 08): the report query, and the summary computed from this server's report
 * index (report-index.ts) with the current SLA targets and business hours.
 */
import {
	BusinessClock,
	MS_PER_HOUR,
	reportPeriodSchema,
	REQUEST_TYPE_ATTRIBUTE,
	summarizeFacts,
	type BusinessHours,
	type OrderFact,
	type ReportPeriod,
	type ReportResponse,
	type SlaRule
} from '../../domain';
import { listCrews, listDepartments, listServiceTypes } from '../directory';
import type { OrdersFeed } from '../orders-feed';
import type { CouchClient } from '../store/couch-client';
import { cityDaysSpanned, parseDateRange, type DateRange } from './range';
import type { ReportIndex } from './report-index';
import { getBusinessHours } from './sla-config';

const DEFAULT_REPORT_DAYS = 365; // the page opens on the last twelve months
const WEEKLY_UP_TO_DAYS = 184; // longer ranges default to months (a chart of 26 weeks at most)
const CACHE_TTL_MS = 60 * 1000; // "overdue" moves with the clock: a cached answer lives a minute
const CACHE_ENTRIES = 32;

export interface ReportQuery extends DateRange {
	period: ReportPeriod;
}

/** start_date / end_date (city days; default the last 365 days; range=all: everything), service_code, period. */
export function parseReportQuery(params: URLSearchParams, now: Date, timeZone: string): { ok: true; value: ReportQuery } | { ok: false; reason: string } {
	const range = params.get('range');
	if (range !== null && range !== 'all') return { ok: false, reason: `range "${range}" is not known: use range=all, or start_date and end_date` };
	const dates = parseDateRange(params, now, timeZone, { defaultDays: range === 'all' ? null : DEFAULT_REPORT_DAYS, maxDays: null });
	if (!dates.ok) return dates;
	const periodText = params.get('period') || null;
	const period = periodText === null ? null : reportPeriodSchema.safeParse(periodText);
	if (period && !period.success) return { ok: false, reason: `period "${periodText}" is not known: use week or month` };
	const days = cityDaysSpanned(dates.value.start, dates.value.end, timeZone);
	return { ok: true, value: { ...dates.value, period: period?.data ?? (days <= WEEKLY_UP_TO_DAYS ? 'week' : 'month') } };
}

/**
 * SLA hours spent, with business-hour sums remembered per fact (two clock readings each) until the business
 * hours change: the first report after a change pays for them, the next ones do not.
 */
class SlaMeter {
	#key = '';
	#clock: BusinessClock | null = null;
	#memo = new WeakMap<OrderFact, { requested: number; closed: number | null }>();

	use(hours: BusinessHours, timeZone: string): BusinessClock {
		const key = `${timeZone}|${JSON.stringify(hours)}`;
		if (key !== this.#key || !this.#clock) {
			this.#key = key;
			this.#clock = new BusinessClock(hours, timeZone);
			this.#memo = new WeakMap();
		}
		return this.#clock;
	}

	/** A `spent` function for one report, judged at `now`. */
	spentAt(clock: BusinessClock, now: number): (fact: OrderFact, rule: SlaRule, to: number) => number {
		const nowMinutes = clock.minutesAt(now);
		return (fact, rule, to) => {
			if (!rule.sla_business_hours) return (to - fact.requested) / MS_PER_HOUR;
			let m = this.#memo.get(fact);
			if (!m) this.#memo.set(fact, (m = { requested: clock.minutesAt(fact.requested), closed: fact.closed === null ? null : clock.minutesAt(fact.closed) }));
			const end = to === now ? nowMinutes : to === fact.closed && m.closed !== null ? m.closed : clock.minutesAt(to);
			return (end - m.requested) / 60;
		};
	}
}

export class ReportService {
	readonly #index: ReportIndex;
	readonly #feed: Pick<OrdersFeed, 'whenReady' | 'ready' | 'read'>;
	readonly #store: CouchClient;
	readonly #timeZone: string;
	readonly #meter = new SlaMeter();
	readonly #cache = new Map<string, { at: number; value: ReportResponse }>();

	constructor(opts: { index: ReportIndex; feed: Pick<OrdersFeed, 'whenReady' | 'ready' | 'read'>; store: CouchClient; timeZone: string }) {
		this.#index = opts.index;
		this.#feed = opts.feed;
		this.#store = opts.store;
		this.#timeZone = opts.timeZone;
	}

	get ready(): boolean {
		return this.#feed.ready;
	}
	get size(): number {
		return this.#index.size;
	}

	/** The figures, or null when the index is still loading after `waitMs` (the caller says "try again"). */
	async summary(q: ReportQuery, now: Date, waitMs: number): Promise<ReportResponse | null> {
		if (!(await this.#feed.whenReady(waitMs))) return null;
		const [types, departments, crews, hours] = await Promise.all([
			listServiceTypes(this.#store),
			listDepartments(this.#store),
			listCrews(this.#store),
			getBusinessHours(this.#store)
		]);
		const key = JSON.stringify([q, this.#index.version, types.map((t) => [t.service_code, t._rev]), hours, departments.length, crews.length]);
		const cached = this.#cache.get(key);
		if (cached && +now - cached.at < CACHE_TTL_MS) return cached.value;

		const clock = this.#meter.use(hours, this.#timeZone);
		const rules = new Map<string, SlaRule>(types.map((t) => [t.service_code, t]));
		const requestTypes = new Map<string, string>();
		for (const t of types) for (const a of t.attributes) for (const v of a.values ?? []) requestTypes.set(`${t.service_code}|${a.code}|${v.key}`, v.name);
		const facts = this.#index.select(+q.start, +q.end, q.serviceCodes ? new Set(q.serviceCodes) : null);
		const span = this.#index.span();
		const value: ReportResponse = {
			query: { start: q.start.toISOString(), end: q.end.toISOString(), service_codes: q.serviceCodes, period: q.period },
			generated_at: now.toISOString(),
			on_record: { first: span ? new Date(span.first).toISOString() : null, last: span ? new Date(span.last).toISOString() : null, requests: this.#index.size },
			sla: {
				business_hours: hours,
				targets: types
					.map((t) => ({ service_code: t.service_code, service_name: t.service_name, sla_hours: t.sla_hours, sla_business_hours: t.sla_business_hours }))
					.sort((a, b) => a.service_name.localeCompare(b.service_name))
			},
			service_types: types.map((t) => ({ code: t.service_code, name: t.service_name, group: t.group })).sort((a, b) => a.name.localeCompare(b.name)),
			summary: summarizeFacts(facts, {
				period: q.period,
				now: +now,
				rules,
				spent: this.#meter.spentAt(clock, +now),
				names: {
					service: new Map(types.map((t) => [t.service_code, t.service_name])),
					department: new Map(departments.map((d) => [d.id, d.name])),
					crew: new Map(crews.map((c) => [c.id, c.name]))
				},
				requestTypeName: (code, key) => requestTypes.get(`${code}|${REQUEST_TYPE_ATTRIBUTE}|${key}`) ?? key
			})
		};
		if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
		this.#cache.set(key, { at: +now, value });
		return value;
	}
}
