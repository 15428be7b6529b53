/**
 * The managers' figures: facts of work orders, percentiles, period buckets, and summarizeFacts checked
 * figure by figure against a brute force (filter, sort, percentile written here) over random orders,
 * plus small hand-counted cases.
 */
import { describe, expect, it } from 'vitest';
import {
	BusinessClock,
	dayToIso,
	factOf,
	HEAT_CELL_DEG,
	percentile,
	periodStart,
	REPORT_DIMENSIONS,
	slaHoursSpent,
	summarizeFacts,
	TOP_REQUESTS,
	type GroupFigures,
	type OrderFact,
	type ReportDimension,
	type SlaRule,
	type SummaryOptions,
	type WorkflowStatus
} from '../../../src/lib/domain';

const TZ = 'America/Los_Angeles';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function rng(seed: number) {
	let s = seed >>> 0;
	return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const localDate = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
/** The city's day number (days since 1970-01-01) of an instant, by Intl. */
const cityDay = (ms: number) => Date.parse(`${localDate.format(new Date(ms))}T00:00:00Z`) / DAY;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;

/** A work order document as the orders database holds it (only what the facts read). */
function orderDoc(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		_id: 'order:1',
		type: 'work_order',
		service_request_id: '1',
		service_code: 'pothole',
		status: 'new',
		requested_datetime: '2026-01-13T18:00:00Z',
		closed_datetime: null,
		department: 'dpw',
		neighborhood: 'Mission',
		supervisor_district: '9',
		crew: 'crew-a',
		lat: 37.76,
		long: -122.42,
		attributes: { request_type: 'deep' },
		...overrides
	};
}

/** A fact written by hand; its day is the city day of `requested` (by Intl). */
let nextId = 0;
function fact(requested: string, overrides: Partial<OrderFact> = {}): OrderFact {
	const ms = Date.parse(requested);
	return {
		id: String(++nextId),
		requested: ms,
		day: cityDay(ms),
		closed: null,
		status: 'new',
		service_code: 'pothole',
		department: 'dpw',
		neighborhood: 'Mission',
		district: '9',
		crew: 'crew-a',
		lat: 37.7605,
		long: -122.4195,
		request_type: null,
		...overrides
	};
}
/** A fact closed `hours` (wall clock) after it was requested. */
const closedAfter = (requested: string, hours: number, overrides: Partial<OrderFact> = {}) =>
	fact(requested, { status: 'closed', closed: Date.parse(requested) + hours * HOUR, ...overrides });

const continuous = (f: OrderFact, _rule: SlaRule, to: number) => (to - f.requested) / HOUR;

function options(overrides: Partial<SummaryOptions> = {}): SummaryOptions {
	return {
		period: 'week',
		now: Date.parse('2026-07-01T19:00:00Z'),
		rules: new Map<string, SlaRule>([['pothole', { sla_hours: 72, sla_business_hours: false }]]),
		spent: continuous,
		names: { service: new Map([['pothole', 'Pothole']]), department: new Map([['dpw', 'Public Works']]), crew: new Map([['crew-a', 'Alpha']]) },
		...overrides
	};
}

/** Linear-interpolation percentile, written independently: between ranks i and i+1 of the sorted values. */
function expectedPercentile(values: number[], p: number): number | null {
	const xs = [...values].sort((a, b) => a - b);
	if (xs.length === 0) return null;
	if (xs.length === 1) return xs[0]!;
	const rank = p * (xs.length - 1);
	const i = Math.min(Math.floor(rank), xs.length - 2);
	const w = rank - i;
	return (1 - w) * xs[i]! + w * xs[i + 1]!;
}

describe('percentile', () => {
	it('interpolates like PERCENTILE.INC: the median of 1, 2, 3, 10 is 2.5 and its 90th percentile 7.9', () => {
		expect(percentile([1, 2, 3, 10], 0.5)).toBe(2.5);
		// Rank 0.9 × 3 = 2.7: 3 + 0.7 × (10 − 3).
		expect(percentile([1, 2, 3, 10], 0.9)).toBeCloseTo(7.9, 12);
		expect(percentile([1, 2, 3, 10], 0.25)).toBeCloseTo(1.75, 12);
		expect(percentile([2, 4, 4, 5, 100], 0.5)).toBe(4);
		// Rank 0.9 × 4 = 3.6: 5 + 0.6 × 95.
		expect(percentile([2, 4, 4, 5, 100], 0.9)).toBeCloseTo(62, 12);
	});
	it('gives the ends at 0 and 1, the only value of one, and null for none', () => {
		expect(percentile([1, 2, 3, 10], 0)).toBe(1);
		expect(percentile([1, 2, 3, 10], 1)).toBe(10);
		expect(percentile([7], 0.5)).toBe(7);
		expect(percentile([7], 0.9)).toBe(7);
		expect(percentile([], 0.5)).toBeNull();
	});
	it('agrees with an independent implementation on random sorted lists', () => {
		const r = rng(5);
		for (let i = 0; i < 200; i++) {
			const xs = Array.from({ length: 1 + Math.floor(r() * 30) }, () => Math.round(r() * 1000) / 10).sort((a, b) => a - b);
			const p = i % 4 === 0 ? 0.9 : r();
			expect(percentile(xs, p)).toBeCloseTo(expectedPercentile(xs, p)!, 9);
		}
	});
});

describe('periods', () => {
	it('names day numbers as dates', () => {
		expect(dayToIso(0)).toBe('1970-01-01');
		expect(dayToIso(-1)).toBe('1969-12-31');
		expect(dayToIso(dayOf('2026-02-28') + 1)).toBe('2026-03-01');
		expect(dayToIso(dayOf('2028-02-28') + 1)).toBe('2028-02-29');
	});
	it('starts weeks on Monday', () => {
		// 1970-01-01 was a Thursday: its week began on Monday 1969-12-29.
		expect(dayToIso(periodStart(0, 'week'))).toBe('1969-12-29');
		expect(dayToIso(periodStart(dayOf('2026-01-12'), 'week'))).toBe('2026-01-12'); // a Monday
		expect(dayToIso(periodStart(dayOf('2026-01-18'), 'week'))).toBe('2026-01-12'); // the Sunday after it
		expect(dayToIso(periodStart(dayOf('2026-01-01'), 'week'))).toBe('2025-12-29');
		for (let day = -800; day < 25_000; day += 13) {
			const start = periodStart(day, 'week');
			expect(new Date(start * DAY).getUTCDay(), dayToIso(day)).toBe(1);
			expect(day - start).toBeGreaterThanOrEqual(0);
			expect(day - start).toBeLessThan(7);
		}
	});
	it('starts months on the first', () => {
		expect(dayToIso(periodStart(dayOf('2026-02-28'), 'month'))).toBe('2026-02-01');
		expect(dayToIso(periodStart(dayOf('2026-03-01'), 'month'))).toBe('2026-03-01');
		expect(dayToIso(periodStart(dayOf('2025-12-31'), 'month'))).toBe('2025-12-01');
		for (let day = -800; day < 25_000; day += 11) expect(dayToIso(periodStart(day, 'month'))).toBe(`${dayToIso(day).slice(0, 8)}01`);
	});
});

describe('facts of work orders', () => {
	it('reads the fields the reports need', () => {
		const f = factOf(orderDoc({ status: 'closed', closed_datetime: '2026-01-14T01:30:00-08:00' }), TZ);
		expect(f).toEqual({
			id: '1',
			requested: Date.parse('2026-01-13T18:00:00Z'),
			day: dayOf('2026-01-13'),
			closed: Date.parse('2026-01-14T09:30:00Z'),
			status: 'closed',
			service_code: 'pothole',
			department: 'dpw',
			neighborhood: 'Mission',
			district: '9',
			crew: 'crew-a',
			lat: 37.76,
			long: -122.42,
			request_type: 'deep'
		});
	});
	it('is null for other documents and for orders too broken to count', () => {
		expect(factOf(orderDoc({ type: 'field_action' }), TZ)).toBeNull();
		expect(factOf(orderDoc({ type: undefined }), TZ)).toBeNull();
		expect(factOf(orderDoc({ requested_datetime: undefined }), TZ)).toBeNull();
		expect(factOf(orderDoc({ requested_datetime: null }), TZ)).toBeNull();
		expect(factOf(orderDoc({ requested_datetime: 'yesterday' }), TZ)).toBeNull();
		expect(factOf(orderDoc({ service_request_id: '' }), TZ)).toBeNull();
		expect(factOf(orderDoc({ service_code: undefined }), TZ)).toBeNull();
		expect(factOf(orderDoc({ status: 'done' }), TZ)).toBeNull();
	});
	it('has no close time while the order is open, even if an old close time is still on it', () => {
		expect(factOf(orderDoc({ status: 'assigned', closed_datetime: '2026-01-14T09:30:00Z' }), TZ)!.closed).toBeNull();
		expect(factOf(orderDoc({ status: 'closed', closed_datetime: null }), TZ)!.closed).toBeNull();
		expect(factOf(orderDoc({ status: 'closed', closed_datetime: 'not a date' }), TZ)!.closed).toBeNull();
	});
	it('turns empty crews, neighborhoods, districts and a missing department into null', () => {
		const f = factOf(orderDoc({ crew: '', neighborhood: '  ', supervisor_district: '', department: undefined }), TZ)!;
		expect([f.crew, f.neighborhood, f.district, f.department]).toEqual([null, null, null, null]);
		const g = factOf(orderDoc({ crew: null, neighborhood: null, supervisor_district: null }), TZ)!;
		expect([g.crew, g.neighborhood, g.district]).toEqual([null, null, null]);
	});
	it('takes the request type from attributes.request_type only', () => {
		expect(factOf(orderDoc({ attributes: { request_type: 'Graffiti on private property' } }), TZ)!.request_type).toBe('Graffiti on private property');
		expect(factOf(orderDoc({ attributes: {} }), TZ)!.request_type).toBeNull();
		expect(factOf(orderDoc({ attributes: undefined }), TZ)!.request_type).toBeNull();
		expect(factOf(orderDoc({ attributes: { request_type: '' } }), TZ)!.request_type).toBeNull();
		expect(factOf(orderDoc({ attributes: { other: 'x' }, request_type: 'top-level' }), TZ)!.request_type).toBeNull();
	});
	it('dates a request by the city calendar, not UTC', () => {
		// 07:30 UTC on Monday the 12th is 23:30 on Sunday the 11th in San Francisco, 16:30 on the 12th in Tokyo.
		expect(factOf(orderDoc({ requested_datetime: '2026-01-12T07:30:00Z' }), TZ)!.day).toBe(dayOf('2026-01-11'));
		expect(factOf(orderDoc({ requested_datetime: '2026-01-12T07:30:00Z' }), 'Asia/Tokyo')!.day).toBe(dayOf('2026-01-12'));
		expect(factOf(orderDoc({ requested_datetime: '2026-07-12T06:59:00Z' }), TZ)!.day).toBe(dayOf('2026-07-11'));
		expect(factOf(orderDoc({ requested_datetime: '2026-07-12T07:00:00Z' }), TZ)!.day).toBe(dayOf('2026-07-12'));
	});
	it('leaves a missing location as NaN (not on the heat map)', () => {
		const f = factOf(orderDoc({ lat: undefined, long: '-122.4' }), TZ)!;
		expect(Number.isNaN(f.lat)).toBe(true);
		expect(Number.isNaN(f.long)).toBe(true);
	});
});

// ---------------------------------------------------------------------------------------------------------
// Random orders against a brute force
// ---------------------------------------------------------------------------------------------------------

const CODES = ['pothole', 'graffiti', 'streetlight', 'dumping', 'mystery'] as const;
const RULES = new Map<string, SlaRule>([
	['pothole', { sla_hours: 72, sla_business_hours: false }],
	['graffiti', { sla_hours: 48, sla_business_hours: false }],
	['streetlight', { sla_hours: 24, sla_business_hours: false }],
	['dumping', { sla_hours: 8, sla_business_hours: false }]
]); // 'mystery' has no target
const REQUEST_TYPES: Record<string, (string | null)[]> = {
	pothole: ['deep', 'shallow', null],
	graffiti: ['private', 'public'],
	streetlight: [null],
	dumping: ['mattress', 'sofa', 'bags', null],
	mystery: ['x', 'y', null]
};
const NAMES: SummaryOptions['names'] = {
	service: new Map([
		['pothole', 'Pothole'],
		['graffiti', 'Graffiti'],
		['streetlight', 'Streetlight out'],
		['dumping', 'Illegal dumping']
	]),
	department: new Map([
		['dpw', 'Public Works'],
		['puc', 'Public Utilities']
	]),
	crew: new Map([
		['crew-a', 'Alpha'],
		['crew-b', 'Bravo']
	])
};
const TYPE_NAMES = new Map([['graffiti|private', 'Private property']]);
const requestTypeName = (code: string, key: string) => TYPE_NAMES.get(`${code}|${key}`) ?? key;
const NOW = Date.parse('2026-07-01T19:00:00Z');
const OPEN: WorkflowStatus[] = ['new', 'assigned', 'en_route', 'on_site'];

interface RandomOrders {
	facts: OrderFact[];
	/** The heat-map cell (long index, lat index) each fact was placed in, by id; none without a location. */
	cells: Map<string, [number, number]>;
}

/** About 200 random orders (through factOf), placed inside known heat-map cells, never on a cell edge. */
function randomOrders(seed: number, n: number): RandomOrders {
	const r = rng(seed);
	const facts: OrderFact[] = [];
	const cells = new Map<string, [number, number]>();
	const start = Date.parse('2026-01-01T08:00:00Z');
	for (let i = 0; i < n; i++) {
		const code = pick(r, CODES);
		const requested = start + Math.floor(r() * 181 * 24 * 60) * 60_000;
		const closed = r() < 0.55;
		let closedAt: number | null = null;
		const kind = r();
		if (kind < 0.75) closedAt = requested + Math.floor(r() * 200 * 60) * 60_000;
		else if (kind < 0.88) closedAt = requested - (1 + Math.floor(r() * 48 * 60)) * 60_000; // closed before opened
		const cx = -122_450 + Math.floor(r() * 12);
		const cy = 37_700 + Math.floor(r() * 12);
		const located = r() > 0.05;
		const type = pick(r, REQUEST_TYPES[code]!);
		const doc = orderDoc({
			_id: `order:${i}`,
			service_request_id: `r${i}`,
			service_code: code,
			status: closed ? 'closed' : pick(r, OPEN),
			requested_datetime: new Date(requested).toISOString(),
			closed_datetime: closedAt === null ? null : new Date(closedAt).toISOString(),
			department: pick(r, ['dpw', 'puc', 'sfmta']),
			neighborhood: pick(r, ['Mission', 'SoMa', 'Sunset', 'Bayview', null, '']),
			supervisor_district: pick(r, ['1', '6', '9', '10', '11', null]),
			crew: pick(r, ['crew-a', 'crew-b', 'crew-c', null, '']),
			lat: located ? (cy + 0.1 + 0.8 * r()) * HEAT_CELL_DEG : undefined,
			long: located ? (cx + 0.1 + 0.8 * r()) * HEAT_CELL_DEG : undefined,
			attributes: type === null ? {} : { request_type: type }
		});
		const f = factOf(doc, TZ);
		if (!f) throw new Error(`order ${i} has no fact`);
		facts.push(f);
		if (located) cells.set(f.id, [cx, cy]);
	}
	return { facts, cells };
}

type Figures = Omit<GroupFigures, 'key' | 'label'>;

/** The figures of a group, computed naively from the definitions. */
function bruteFigures(facts: OrderFact[], now: number): Figures {
	const closed = facts.filter((f) => f.status === 'closed');
	const open = facts.filter((f) => f.status !== 'closed');
	const valid = closed.filter((f) => f.closed !== null && f.closed >= f.requested);
	const hours = valid.map((f) => (f.closed! - f.requested) / HOUR);
	const judged = valid.filter((f) => RULES.has(f.service_code));
	const within = judged.filter((f) => (f.closed! - f.requested) / HOUR <= RULES.get(f.service_code)!.sla_hours);
	const overdue = open.filter((f) => RULES.has(f.service_code) && (now - f.requested) / HOUR > RULES.get(f.service_code)!.sla_hours);
	return {
		requests: facts.length,
		open: open.length,
		closed: closed.length,
		excluded: closed.length - valid.length,
		median_hours: expectedPercentile(hours, 0.5),
		p90_hours: expectedPercentile(hours, 0.9),
		within_sla: within.length,
		sla_judged: judged.length,
		sla_share: judged.length === 0 ? null : within.length / judged.length,
		overdue_open: overdue.length
	};
}

const COUNT_FIELDS = ['requests', 'open', 'closed', 'excluded', 'within_sla', 'sla_judged', 'overdue_open'] as const;

function expectFigures(actual: GroupFigures, expected: Figures, what: string) {
	const counts = (g: Figures) => Object.fromEntries(COUNT_FIELDS.map((k) => [k, g[k]]));
	expect(counts(actual), what).toEqual(counts(expected));
	for (const name of ['median_hours', 'p90_hours', 'sla_share'] as const) {
		const e = expected[name];
		if (e === null) expect(actual[name], `${what} ${name}`).toBeNull();
		else expect(actual[name], `${what} ${name}`).toBeCloseTo(e, 9);
	}
}

const DIMENSION_KEY: Record<ReportDimension, (f: OrderFact) => string | null> = {
	service: (f) => f.service_code,
	department: (f) => f.department,
	neighborhood: (f) => f.neighborhood,
	district: (f) => f.district,
	crew: (f) => f.crew
};
function expectedLabel(dim: ReportDimension, key: string | null): string {
	if (dim === 'service') return NAMES.service.get(key!) ?? key!;
	if (dim === 'department') return key === null ? 'Unknown department' : (NAMES.department.get(key) ?? key);
	if (dim === 'crew') return key === null ? 'No crew' : (NAMES.crew.get(key) ?? key);
	if (dim === 'district') return key === null ? 'Not recorded' : `District ${key}`;
	return key ?? 'Not recorded';
}

function groupBy<T>(xs: T[], key: (x: T) => string): Map<string, T[]> {
	const m = new Map<string, T[]>();
	for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
	return m;
}

describe('summary of random orders against a brute force', () => {
	const { facts, cells } = randomOrders(2026, 200);
	const opts = options({ rules: RULES, names: NAMES, requestTypeName, now: NOW });
	const summary = summarizeFacts(facts, opts);

	it('has data that exercises every rule (closed early, no close time, overdue, within and past the target)', () => {
		const t = bruteFigures(facts, NOW);
		expect(t.requests).toBe(200);
		expect(t.excluded).toBeGreaterThan(5);
		expect(facts.some((f) => f.status === 'closed' && f.closed === null)).toBe(true);
		expect(facts.some((f) => f.status !== 'closed' && f.closed === null)).toBe(true);
		expect(t.overdue_open).toBeGreaterThan(5);
		expect(t.within_sla).toBeGreaterThan(5);
		expect(t.sla_judged - t.within_sla).toBeGreaterThan(5);
		expect(facts.filter((f) => f.service_code === 'mystery' && f.status === 'closed').length).toBeGreaterThan(3);
		for (const f of facts) expect(f.day).toBe(cityDay(f.requested));
	});

	it('totals', () => {
		expect(summary.totals.key).toBe('all');
		expect(summary.totals.label).toBe('All requests');
		expectFigures(summary.totals, bruteFigures(facts, NOW), 'totals');
	});

	for (const dim of REPORT_DIMENSIONS) {
		it(`every group by ${dim}, labelled and ordered by requests then label`, () => {
			const groups = groupBy(facts, (f) => DIMENSION_KEY[dim](f) ?? '');
			expect(summary.by[dim].map((g) => g.key).sort()).toEqual([...groups.keys()].sort());
			for (const g of summary.by[dim]) {
				const members = groups.get(g.key)!;
				expect(g.label, `${dim} ${g.key}`).toBe(expectedLabel(dim, DIMENSION_KEY[dim](members[0]!)));
				expectFigures(g, bruteFigures(members, NOW), `${dim} ${g.key}`);
			}
			for (let i = 1; i < summary.by[dim].length; i++) {
				const [a, b] = [summary.by[dim][i - 1]!, summary.by[dim][i]!];
				expect(a.requests > b.requests || (a.requests === b.requests && a.label.localeCompare(b.label) < 0), `${a.label} before ${b.label}`).toBe(true);
			}
		});
	}

	for (const period of ['week', 'month'] as const) {
		it(`over time by ${period}: every period from the first to the last, empty ones included`, () => {
			const s = period === 'week' ? summary : summarizeFacts(facts, { ...opts, period });
			const startOf = (day: number) => {
				const d = new Date(day * DAY);
				return period === 'week' ? day - ((d.getUTCDay() + 6) % 7) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / DAY;
			};
			const next = (start: number) => {
				const d = new Date(start * DAY);
				return period === 'week' ? start + 7 : Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY;
			};
			const days = facts.map((f) => f.day);
			const expectedStarts: number[] = [];
			for (let p = startOf(Math.min(...days)); p <= Math.max(...days); p = next(p)) expectedStarts.push(p);
			expect(s.over_time.map((p) => p.start)).toEqual(expectedStarts.map(dayToIso));
			expect(expectedStarts.length).toBeGreaterThanOrEqual(period === 'week' ? 25 : 6);
			for (const [i, p] of s.over_time.entries()) {
				const members = facts.filter((f) => f.day >= expectedStarts[i]! && f.day < next(expectedStarts[i]!));
				expect(p.key).toBe(p.start);
				expect(p.label).toBe(p.start);
				expectFigures(p, bruteFigures(members, NOW), `${period} ${p.start}`);
			}
			expect(s.over_time.reduce((n, p) => n + p.requests, 0)).toBe(facts.length);
		});
	}

	it('most frequent requests: by service type and request type, named, the top 10 by count', () => {
		const counts = groupBy(facts, (f) => `${f.service_code}|${f.request_type ?? ''}`);
		expect(counts.size).toBeGreaterThan(TOP_REQUESTS);
		const top = summary.top_requests;
		expect(top).toHaveLength(TOP_REQUESTS);
		for (const t of top) {
			const members = facts.filter((f) => f.service_code === t.service_code && (f.request_type === null ? t.request_type === null : requestTypeName(f.service_code, f.request_type) === t.request_type));
			expect(t.count, `${t.service_code} ${t.request_type}`).toBe(members.length);
			expect(t.service_name).toBe(NAMES.service.get(t.service_code) ?? t.service_code);
		}
		expect(new Set(top.map((t) => `${t.service_code}|${t.request_type}`)).size).toBe(TOP_REQUESTS);
		for (let i = 1; i < top.length; i++) {
			const [a, b] = [top[i - 1]!, top[i]!];
			expect(a.count > b.count || (a.count === b.count && a.service_name.localeCompare(b.service_name) <= 0)).toBe(true);
		}
		// Nothing left out counts more than the last one shown.
		const shown = new Set(top.map((t) => `${t.service_code}|${t.request_type === 'Private property' ? 'private' : (t.request_type ?? '')}`));
		const last = top[top.length - 1]!.count;
		for (const [key, members] of counts) if (!shown.has(key)) expect(members.length, key).toBeLessThanOrEqual(last);
		expect(top.some((t) => t.request_type === 'Private property')).toBe(true);
	});

	it('heat map: open requests with a location, counted per 0.001° cell at the cell centre', () => {
		const expected = new Map<string, number>();
		for (const f of facts) {
			const cell = cells.get(f.id);
			if (f.status !== 'closed' && cell) expected.set(cell.join(','), (expected.get(cell.join(',')) ?? 0) + 1);
		}
		expect(summary.heat.cell_deg).toBe(0.001);
		expect(summary.heat.cells).toHaveLength(expected.size);
		for (const [long, lat, count] of summary.heat.cells) {
			const key = `${Math.round(long * 1000 - 0.5)},${Math.round(lat * 1000 - 0.5)}`;
			expect(expected.get(key), key).toBe(count);
			expect(long * 1000 - Math.round(long * 1000 - 0.5)).toBeCloseTo(0.5, 6);
			expect(lat * 1000 - Math.round(lat * 1000 - 0.5)).toBeCloseTo(0.5, 6);
		}
		expect(summary.heat.cells.reduce((n, c) => n + c[2], 0)).toBe([...expected.values()].reduce((a, b) => a + b, 0));
		expect([...expected.values()].some((n) => n > 1)).toBe(true);
	});
});

// ---------------------------------------------------------------------------------------------------------
// Small hand-counted cases
// ---------------------------------------------------------------------------------------------------------

describe('summary: hand-counted cases', () => {
	it('time to close: median and 90th percentile of 1, 2, 3 and 10 hours; SLA within means at most the target', () => {
		const facts = [1, 2, 3, 10].map((h) => closedAfter('2026-01-13T18:00:00Z', h));
		const s = summarizeFacts(facts, options({ rules: new Map([['pothole', { sla_hours: 3, sla_business_hours: false }]]) }));
		expect(s.totals).toMatchObject({ requests: 4, open: 0, closed: 4, excluded: 0, median_hours: 2.5, within_sla: 3, sla_judged: 4, sla_share: 0.75, overdue_open: 0 });
		expect(s.totals.p90_hours).toBeCloseTo(7.9, 9);
	});

	it('counts a request closed before it was opened, or without a close time, as closed but not in time to close or SLA', () => {
		const facts = [
			...[1, 2, 3, 10].map((h) => closedAfter('2026-01-13T18:00:00Z', h)),
			closedAfter('2026-01-13T18:00:00Z', -5),
			fact('2026-01-13T18:00:00Z', { status: 'closed', closed: null })
		];
		const s = summarizeFacts(facts, options({ rules: new Map([['pothole', { sla_hours: 3, sla_business_hours: false }]]) }));
		expect(s.totals).toMatchObject({ requests: 6, closed: 6, excluded: 2, median_hours: 2.5, within_sla: 3, sla_judged: 4, sla_share: 0.75 });
		// Closed in the same minute it was requested: 0 hours, within any target.
		const instant = summarizeFacts([closedAfter('2026-01-13T18:00:00Z', 0)], options());
		expect(instant.totals).toMatchObject({ excluded: 0, median_hours: 0, within_sla: 1, sla_judged: 1 });
	});

	it('does not judge a service type without a target, however long it took or is taking', () => {
		const facts = [closedAfter('2026-01-13T18:00:00Z', 500, { service_code: 'mystery' }), fact('2026-01-01T18:00:00Z', { service_code: 'mystery' })];
		const s = summarizeFacts(facts, options());
		expect(s.totals).toMatchObject({ requests: 2, open: 1, closed: 1, median_hours: 500, p90_hours: 500, within_sla: 0, sla_judged: 0, sla_share: null, overdue_open: 0 });
		expect(s.by.service).toEqual([expect.objectContaining({ key: 'mystery', label: 'mystery' })]);
	});

	it('is overdue only when open and past the target at the time of the report', () => {
		const now = Date.parse('2026-07-01T19:00:00Z');
		const rules = new Map([['pothole', { sla_hours: 24, sla_business_hours: false }]]);
		const ago = (h: number) => new Date(now - h * HOUR).toISOString();
		const facts = [
			fact(ago(25)), // overdue
			fact(ago(24)), // exactly at the target: not past it
			fact(ago(23), { status: 'on_site' }),
			closedAfter(ago(100), 90), // closed late: not "open and overdue"
			fact(new Date(now + HOUR).toISOString()) // requested after the report's time
		];
		const s = summarizeFacts(facts, options({ now, rules }));
		expect(s.totals).toMatchObject({ requests: 5, open: 4, closed: 1, overdue_open: 1, within_sla: 0, sla_judged: 1 });
	});

	it('labels groups: names where known, "No crew", "Not recorded" and "District 6"', () => {
		const facts = [
			fact('2026-01-13T18:00:00Z', { crew: null, neighborhood: null, district: '6' }),
			fact('2026-01-13T18:00:00Z', { crew: null, neighborhood: 'Mission', district: null }),
			fact('2026-01-13T18:00:00Z', { crew: 'crew-z', department: 'sfmta', service_code: 'graffiti' }),
			fact('2026-01-13T18:00:00Z', { crew: 'crew-a' })
		];
		const s = summarizeFacts(facts, options());
		const labels = (dim: ReportDimension) => Object.fromEntries(s.by[dim].map((g) => [g.key, g.label]));
		expect(labels('crew')).toEqual({ '': 'No crew', 'crew-a': 'Alpha', 'crew-z': 'crew-z' });
		expect(labels('neighborhood')).toEqual({ '': 'Not recorded', Mission: 'Mission' });
		expect(labels('district')).toEqual({ '6': 'District 6', '': 'Not recorded', '9': 'District 9' });
		expect(labels('department')).toEqual({ dpw: 'Public Works', sfmta: 'sfmta' });
		expect(labels('service')).toEqual({ pothole: 'Pothole', graffiti: 'graffiti' });
		// Most requests first, then by label.
		expect(s.by.crew.map((g) => [g.label, g.requests])).toEqual([
			['No crew', 2],
			['Alpha', 1],
			['crew-z', 1]
		]);
	});

	it('buckets requests in city weeks starting on Monday, an empty week in the middle showing zeros', () => {
		const facts = [
			fact('2026-01-07T20:00:00Z'), // Wednesday
			closedAfter('2026-01-12T07:30:00Z', 2), // Sunday 23:30 in San Francisco (Monday in UTC)
			fact('2026-01-19T08:30:00Z') // Monday 00:30 in San Francisco
		];
		const s = summarizeFacts(facts, options({ period: 'week' }));
		expect(s.over_time.map((p) => [p.start, p.requests, p.open, p.closed])).toEqual([
			['2026-01-05', 2, 1, 1],
			['2026-01-12', 0, 0, 0],
			['2026-01-19', 1, 1, 0]
		]);
		expect(s.over_time[1]).toEqual({
			key: '2026-01-12',
			label: '2026-01-12',
			start: '2026-01-12',
			requests: 0,
			open: 0,
			closed: 0,
			excluded: 0,
			median_hours: null,
			p90_hours: null,
			within_sla: 0,
			sla_judged: 0,
			sla_share: null,
			overdue_open: 0
		});
		expect(s.over_time[0]).toMatchObject({ median_hours: 2, within_sla: 1, sla_judged: 1, sla_share: 1 });
	});

	it('buckets requests in city months, across a new year, empty months included', () => {
		const facts = [
			fact('2026-01-01T07:30:00Z'), // 23:30 on New Year's Eve in San Francisco
			fact('2026-03-01T08:00:00Z'),
			fact('2026-03-31T23:00:00Z')
		];
		const s = summarizeFacts(facts, options({ period: 'month' }));
		expect(s.over_time.map((p) => [p.start, p.requests])).toEqual([
			['2025-12-01', 1],
			['2026-01-01', 0],
			['2026-02-01', 0],
			['2026-03-01', 2]
		]);
	});

	it('is empty for no requests', () => {
		const s = summarizeFacts([], options());
		expect(s.totals).toMatchObject({ requests: 0, median_hours: null, p90_hours: null, sla_share: null });
		expect(s.over_time).toEqual([]);
		expect(s.top_requests).toEqual([]);
		expect(s.heat.cells).toEqual([]);
		for (const dim of REPORT_DIMENSIONS) expect(s.by[dim]).toEqual([]);
	});

	it('shows the most frequent requests with their names, a request type apart from none', () => {
		const facts = [
			fact('2026-01-13T18:00:00Z', { request_type: 'deep' }),
			fact('2026-01-13T18:00:00Z', { request_type: 'deep' }),
			fact('2026-01-13T18:00:00Z', { request_type: null }),
			fact('2026-01-13T18:00:00Z', { service_code: 'graffiti', request_type: 'private' }),
			fact('2026-01-13T18:00:00Z', { service_code: 'graffiti', request_type: 'private' }),
			fact('2026-01-13T18:00:00Z', { service_code: 'graffiti', request_type: 'private' })
		];
		const s = summarizeFacts(facts, options({ requestTypeName }));
		expect(s.top_requests).toEqual([
			{ service_code: 'graffiti', service_name: 'graffiti', request_type: 'Private property', count: 3 },
			{ service_code: 'pothole', service_name: 'Pothole', request_type: 'deep', count: 2 },
			{ service_code: 'pothole', service_name: 'Pothole', request_type: null, count: 1 }
		]);
	});

	it('puts open requests on the heat map by cell, leaving out closed ones and those without a location', () => {
		const facts = [
			fact('2026-01-13T18:00:00Z', { lat: 37.7612, long: -122.4187 }),
			fact('2026-01-13T18:00:00Z', { lat: 37.7618, long: -122.4181, status: 'en_route' }),
			fact('2026-01-13T18:00:00Z', { lat: 37.7625, long: -122.4181 }),
			closedAfter('2026-01-13T18:00:00Z', 1, { lat: 37.7612, long: -122.4187 }),
			fact('2026-01-13T18:00:00Z', { lat: NaN, long: NaN })
		];
		const cells = summarizeFacts(facts, options()).heat.cells;
		expect(cells).toHaveLength(2);
		const sorted = [...cells].sort((a, b) => a[1] - b[1]);
		expect(sorted[0]![0]).toBeCloseTo(-122.4185, 9);
		expect(sorted[0]![1]).toBeCloseTo(37.7615, 9);
		expect(sorted[0]![2]).toBe(2);
		expect(sorted[1]![0]).toBeCloseTo(-122.4185, 9);
		expect(sorted[1]![1]).toBeCloseTo(37.7625, 9);
		expect(sorted[1]![2]).toBe(1);
	});

	it('judges a business-hours target with the real business clock', () => {
		const clock = new BusinessClock({ days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: [] }, TZ);
		const spent = (f: OrderFact, rule: SlaRule, to: number) => slaHoursSpent(rule, f.requested, to, clock);
		const friday = '2026-01-10T00:00:00Z'; // Friday 16:00 in San Francisco
		const facts = [
			fact(friday, { status: 'closed', closed: Date.parse('2026-01-12T17:00:00Z') }), // Monday 09:00: 2 business hours
			fact(friday, { status: 'closed', closed: Date.parse('2026-01-12T17:30:00Z') }), // Monday 09:30: 2.5
			fact(friday) // still open
		];
		const business = new Map([['pothole', { sla_hours: 2, sla_business_hours: true }]]);
		const mondayAt = (t: string) => Date.parse(`2026-01-12T${t}:00-08:00`);
		const late = summarizeFacts(facts, options({ rules: business, spent, now: mondayAt('09:59') }));
		expect(late.totals).toMatchObject({ within_sla: 1, sla_judged: 2, sla_share: 0.5, overdue_open: 1, median_hours: 65.25 });
		const early = summarizeFacts(facts, options({ rules: business, spent, now: mondayAt('08:59') }));
		expect(early.totals).toMatchObject({ within_sla: 1, overdue_open: 0 });
		// The same target on the wall clock: 65 hours spent, nothing within.
		const wall = summarizeFacts(facts, options({ rules: new Map([['pothole', { sla_hours: 2, sla_business_hours: false }]]), spent, now: mondayAt('08:59') }));
		expect(wall.totals).toMatchObject({ within_sla: 0, sla_judged: 2, overdue_open: 1 });
	});
});
