/**
 * The managers' figures (issue 08) against the built app and its seeded store over HTTP: the summary's counts,
 * time to close and SLA share checked against an independent computation from the shipped SF 311 CSV (parsed
 * here with csv-parse, local times converted with TZDate), who may see the figures and edit the SLA, bad input
 * refused with a reason and nothing written, SLA edits moving the figures, and the SLA clock stopping at the
 * device time of a close (not its upload).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TZDate } from '@date-fns/tz';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionDocId, crewDbName, type BusinessHours, type GroupFigures, type ReportResponse, type WorkOrder } from '../../src/lib/domain';
import { insideDowntown } from '../../src/lib/server/seed/orders';
import { serviceCodeForCategory } from '../../src/lib/server/seed/service-types';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ROOT, Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_CREW_MEMBER, DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

const CSV = path.join(ROOT, 'seed', 'sf311', 'sf311_cases_sample_2008-2016.csv');
const ZONE = 'America/Los_Angeles';
const MS_PER_HOUR = 3_600_000;
const HOURS_TOLERANCE = 1e-6;
const STREET = 'street_and_sidewalk_cleaning';
const GRAFFITI = 'graffiti_public_property';
const READY_WAIT_MS = 60_000; // a 503 "not ready" is retried this long (a busy machine loads the index slowly)
const CLOSE_WAIT_MS = 30_000; // the runner applies an uploaded close within this
// A spot in the Mission, outside the downtown extract, far from today's open demo orders (no duplicate link).
const SPOT = { lat: 37.7597, long: -122.4148 };

let app: RunningApp;
let store: CouchClient;
let admin: Session;
let manager: Session;
let supervisor: Session;
let ana: Session;
/** Every case of the CSV as the demo seed documents it (see `readCases`). */
let cases: Case[];
/** Service code -> SLA target, as GET /api/admin/sla reports it before any edit. */
let targets: Map<string, { sla_hours: number; sla_business_hours: boolean }>;

async function login(username: string): Promise<Session> {
	const s = new Session(app.url);
	expect((await s.login(username, DEMO_PASSWORD)).status).toBe(200);
	return s;
}

beforeAll(async () => {
	app = await startApp({ env: { SEED: 'demo' } });
	store = await storeOf(app.dataDir);
	[admin, manager, supervisor, ana] = await Promise.all([login('admin'), login('manager'), login('supervisor'), login(DEMO_CREW_MEMBER.username)]);
	cases = readCases(await readFile(CSV, 'utf8'));
	const sla = await admin.request('GET', '/api/admin/sla');
	expect(sla.status).toBe(200);
	const settings = (await sla.json()) as SlaSettingsBody;
	targets = new Map(settings.service_types.map((t) => [t.code, { sla_hours: t.sla_hours, sla_business_hours: t.sla_business_hours }]));
}, 120_000);
afterAll(async () => {
	await app?.stop();
});

interface SlaSettingsBody {
	business_hours: BusinessHours;
	service_types: { code: string; name: string; sla_hours: number; sla_business_hours: boolean }[];
}

const origin = () => ({ origin: app.url });

// ---------------------------------------------------------------------------------------------------------
// The independent computation: the CSV read without the app's parser or figures
// ---------------------------------------------------------------------------------------------------------

interface Case {
	id: string;
	code: string;
	/** Request time (ms) in the export (the seed moves the `redated` ones to today). */
	requested: number;
	redated: boolean;
	/** Close time (ms) of a closed case, null while open. */
	closed: number | null;
	open: boolean;
	district: string | null;
	neighborhood: string | null;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const US_LOCAL = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([AP]M)$/;

const missing = (v: string | undefined) => v === undefined || v.trim() === '' || v.trim() === 'NA';

/**
 * A zone-less San Francisco wall-clock time as an instant. TZDate resolves a time in the spring-forward gap
 * forward by the gap and an ambiguous fall-back time to its first occurrence, as the seed documents.
 */
function sfLocal(text: string): number {
	const iso = ISO_LOCAL.exec(text.trim());
	if (iso) {
		const [y, mo, d, h, mi, s] = iso.slice(1).map(Number) as [number, number, number, number, number, number];
		return +new TZDate(y, mo - 1, d, h, mi, s, ZONE);
	}
	const us = US_LOCAL.exec(text.trim());
	if (us) {
		const [mo, d, y, h12, mi, s] = us.slice(1, 7).map(Number) as [number, number, number, number, number, number];
		const h = (h12 % 12) + (us[7] === 'PM' ? 12 : 0);
		return +new TZDate(y, mo - 1, d, h, mi, s, ZONE);
	}
	throw new Error(`not an SF 311 time: ${text}`);
}

/**
 * The seed's documented treatment of the export: a closed case closes at Closed, else Updated, else Opened;
 * closed before opened is kept as it is; an open case with a Closed time stays open; the open cases inside the
 * downtown extract are re-dated to today (still open).
 */
function readCases(text: string): Case[] {
	const rows = parse(text, { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
	const out = new Map<string, Case>();
	for (const r of rows) {
		const id = r.CaseID!.trim().replace(/^0+(?=\d)/, '');
		if (out.has(id)) continue; // a repeated CaseID: the first row counts
		const open = r.Status!.trim() === 'Open';
		const requested = sfLocal(r.Opened!);
		const closed = open ? null : !missing(r.Closed) ? sfLocal(r.Closed!) : !missing(r.Updated) ? sfLocal(r.Updated!) : requested;
		out.set(id, {
			id,
			code: serviceCodeForCategory(r.Category!.trim()),
			requested,
			redated: open && insideDowntown({ lat: Number(r.Lat), long: Number(r.Long) }),
			closed,
			open,
			district: missing(r['Supervisor.District']) ? null : r['Supervisor.District']!.trim(),
			neighborhood: missing(r.Neighborhood) ? null : r.Neighborhood!.trim()
		});
	}
	return [...out.values()];
}

/** Excel PERCENTILE.INC on ascending values: rank p·(n−1)+1, read between the two neighbouring ranks. */
function percentileInc(ascending: readonly number[], p: number): number | null {
	const n = ascending.length;
	if (n === 0) return null;
	const rank = p * (n - 1) + 1; // 1-based
	const k = Math.floor(rank);
	const below = ascending[k - 1]!;
	const above = ascending[Math.min(k, n - 1)]!;
	return below + (rank - k) * (above - below);
}

type Figures = Pick<GroupFigures, 'requests' | 'open' | 'closed' | 'excluded' | 'median_hours' | 'p90_hours' | 'within_sla' | 'sla_judged' | 'sla_share'>;

/** SLA time a closed case spent, in ms, under its rule (continuous unless a business clock is given). */
type Spent = (c: Case & { closed: number }, rule: { sla_hours: number; sla_business_hours: boolean }) => number;
const continuous: Spent = (c) => c.closed - c.requested;

function figuresOf(subset: readonly Case[], rules: ReadonlyMap<string, { sla_hours: number; sla_business_hours: boolean }>, spent: Spent = continuous): Figures {
	let open = 0;
	let excluded = 0;
	let within = 0;
	let judged = 0;
	const hours: number[] = [];
	for (const c of subset) {
		if (c.open) {
			open++;
			continue;
		}
		if (c.closed === null || c.closed < c.requested) {
			excluded++;
			continue;
		}
		hours.push((c.closed - c.requested) / MS_PER_HOUR);
		const rule = rules.get(c.code);
		if (!rule) continue;
		judged++;
		if (spent({ ...c, closed: c.closed }, rule) / MS_PER_HOUR <= rule.sla_hours) within++;
	}
	hours.sort((a, b) => a - b);
	return {
		requests: subset.length,
		open,
		closed: subset.length - open,
		excluded,
		median_hours: percentileInc(hours, 0.5),
		p90_hours: percentileInc(hours, 0.9),
		within_sla: within,
		sla_judged: judged,
		sla_share: judged ? within / judged : null
	};
}

function expectFigures(what: string, got: GroupFigures | undefined, want: Figures): void {
	expect(got, `${what}: no row`).toBeDefined();
	const counts = (f: Figures) => ({ requests: f.requests, open: f.open, closed: f.closed, excluded: f.excluded, within_sla: f.within_sla, sla_judged: f.sla_judged });
	expect(counts(got!), what).toEqual(counts(want));
	for (const key of ['median_hours', 'p90_hours', 'sla_share'] as const) {
		if (want[key] === null) expect(got![key], `${what} ${key}`).toBeNull();
		else expect(Math.abs(got![key]! - want[key]), `${what} ${key}: ${got![key]} vs ${want[key]}`).toBeLessThan(HOURS_TOLERANCE);
	}
}

/**
 * Business time (ms) between a case's request and close, walked one city day at a time (no BusinessClock):
 * each working day that is not a holiday contributes its open..close window cut to the request's span.
 * Stops early once more than `limitMs` has passed: the answer is then only known to exceed it.
 */
function businessMs(from: number, to: number, hours: BusinessHours, limitMs: number): number {
	const [oh, om] = hours.open.split(':').map(Number) as [number, number];
	const [ch, cm] = hours.close.split(':').map(Number) as [number, number];
	const first = new TZDate(from, ZONE);
	let sum = 0;
	for (let i = 0; ; i++) {
		const noon = new TZDate(first.getFullYear(), first.getMonth(), first.getDate() + i, 12, 0, 0, ZONE);
		const y = noon.getFullYear();
		const m = noon.getMonth();
		const d = noon.getDate();
		if (+new TZDate(y, m, d, 0, 0, 0, ZONE) > to) return sum;
		const date = `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
		if (!hours.days.includes(noon.getDay()) || hours.holidays.includes(date)) continue;
		const start = Math.max(from, +new TZDate(y, m, d, oh, om, 0, ZONE));
		const end = Math.min(to, +new TZDate(y, m, d, ch, cm, 0, ZONE));
		if (end > start) sum += end - start;
		if (sum > limitMs) return sum;
	}
}

// ---------------------------------------------------------------------------------------------------------
// The API
// ---------------------------------------------------------------------------------------------------------

/** GET /api/reports/summary, retried while the server is still loading its report index (503 not_ready). */
async function summary(query: string, who: Session = manager): Promise<ReportResponse> {
	return eventually(
		async () => {
			const res = await who.request('GET', `/api/reports/summary?${query}`);
			if (res.status === 503) return undefined;
			expect(res.status, `${query}: ${res.status}`).toBe(200);
			return (await res.json()) as ReportResponse;
		},
		READY_WAIT_MS,
		500
	);
}

const row = (r: ReportResponse, dim: keyof ReportResponse['summary']['by'], key: string) => r.summary.by[dim].find((g) => g.key === key);

async function slaSettings(): Promise<SlaSettingsBody> {
	const res = await admin.request('GET', '/api/admin/sla');
	expect(res.status).toBe(200);
	return (await res.json()) as SlaSettingsBody;
}
const targetOf = async (code: string) => (await slaSettings()).service_types.find((t) => t.code === code)!;

async function reasonOf(res: Response, status: number): Promise<string> {
	const body = (await res.json()) as { error: string; reason: string };
	expect(res.status, JSON.stringify(body)).toBe(status);
	expect(body.reason).toEqual(expect.any(String));
	return body.reason;
}

const putTarget = (body: unknown, code = STREET, who = admin) => who.request('PUT', `/api/admin/sla/service-types/${code}`, body, origin());
const putHours = (body: unknown, who = admin) => who.request('PUT', '/api/admin/sla/business-hours', body, origin());

/** A form action post as a browser sends it (accept HTML) or as SvelteKit's enhance does (accept JSON). */
function postForm(who: Session, action: string, fields: Record<string, string>, json: boolean): Promise<Response> {
	return who.request('POST', `/admin/sla?/${action}`, new URLSearchParams(fields).toString(), {
		'content-type': 'application/x-www-form-urlencoded',
		...origin(),
		...(json ? { accept: 'application/json', 'x-sveltekit-action': 'true' } : { accept: 'text/html' })
	});
}

// ---------------------------------------------------------------------------------------------------------

describe('figures vs the seeded SF 311 sample', () => {
	it('the sample as the seed documents it: 4,984 cases, 55 closed before opened, 28 open downtown cases re-dated', () => {
		expect(cases).toHaveLength(4984);
		expect(cases.filter((c) => c.closed !== null && c.closed < c.requested)).toHaveLength(55);
		expect(cases.filter((c) => c.redated)).toHaveLength(28);
		// The documented example of the percentile definition.
		expect(percentileInc([1, 2, 3, 10], 0.5)).toBe(2.5);
		// Every type of the sample has a target, on the continuous clock until an admin changes it.
		for (const code of new Set(cases.map((c) => c.code))) expect(targets.get(code), code).toMatchObject({ sla_business_hours: false });
	});

	it('range=all: totals, two service types, a supervisor district and neighborhoods match the CSV', async () => {
		const r = await summary('range=all');
		expect(r.on_record.requests).toBe(cases.length);
		expectFigures('totals', r.summary.totals, figuresOf(cases, targets));
		for (const code of [STREET, GRAFFITI]) {
			const mine = cases.filter((c) => c.code === code);
			expect(mine.length).toBeGreaterThan(400);
			expectFigures(code, row(r, 'service', code), figuresOf(mine, targets));
		}
		expect(row(r, 'service', STREET)!.label).toBe('Street and Sidewalk Cleaning');
		const district = row(r, 'district', '6');
		expect(district?.label).toBe('District 6');
		expectFigures('district 6', district, figuresOf(cases.filter((c) => c.district === '6'), targets));
		for (const hood of ['Mission', 'South of Market']) {
			expectFigures(hood, row(r, 'neighborhood', hood), figuresOf(cases.filter((c) => c.neighborhood === hood), targets));
		}
		// Every request is in exactly one service row.
		expect(r.summary.by.service.reduce((n, g) => n + g.requests, 0)).toBe(cases.length);
	});

	it('a city-year range counts the cases opened in 2015 (San Francisco time), month by month', async () => {
		const from = +new TZDate(2015, 0, 1, ZONE);
		const to = +new TZDate(2016, 0, 1, ZONE) - 1;
		const in2015 = cases.filter((c) => !c.redated && c.requested >= from && c.requested <= to);
		expect(in2015.length).toBeGreaterThan(100);
		const r = await summary('start_date=2015-01-01&end_date=2015-12-31&period=month');
		expect(r.query).toMatchObject({ start: new Date(from).toISOString(), end: new Date(to).toISOString(), period: 'month', service_codes: null });
		expectFigures('2015 totals', r.summary.totals, figuresOf(in2015, targets));
		expectFigures(`2015 ${STREET}`, row(r, 'service', STREET), figuresOf(in2015.filter((c) => c.code === STREET), targets));
		const months = r.summary.over_time.map((p) => [p.start, p.requests]);
		const want = Array.from({ length: 12 }, (_, m) => [
			`2015-${String(m + 1).padStart(2, '0')}-01`,
			in2015.filter((c) => new TZDate(c.requested, ZONE).getMonth() === m).length
		]);
		expect(months).toEqual(want);
		// One service code: only its requests.
		const one = await summary(`start_date=2015-01-01&end_date=2015-12-31&service_code=${STREET}`);
		expect(one.summary.totals.requests).toBe(in2015.filter((c) => c.code === STREET).length);
		expect(one.summary.by.service.map((g) => g.key)).toEqual([STREET]);
	});
});

describe('who may see the figures and change the SLA', () => {
	it('crews get 403 on the figures and the page; strangers 401 on the API and the sign-in page instead of the page', async () => {
		expect(await reasonOf(await ana.request('GET', '/api/reports/summary?range=all'), 403)).toMatch(/crew/);
		expect((await ana.request('GET', '/reports')).status).toBe(403);
		const stranger = await fetch(`${app.url}/api/reports/summary?range=all`);
		expect(await stranger.json()).toEqual({ error: 'unauthorized', reason: expect.any(String) as string });
		expect(stranger.status).toBe(401);
		const page = await fetch(`${app.url}/reports?range=all`, { redirect: 'manual' });
		expect(page.status).toBe(303);
		expect(page.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/reports?range=all')}`);
	});

	it('managers, supervisors and admins see the figures and the page', async () => {
		for (const who of [manager, supervisor, admin]) {
			expect((await summary('range=all', who)).summary.totals.requests).toBe(cases.length);
			const page = await who.request('GET', '/reports');
			expect(page.status).toBe(200);
			expect(await page.text()).toContain('Reports');
		}
	});

	it('only admins read or change SLA settings: others 403, strangers 401, nothing changes', async () => {
		const before = await slaSettings();
		for (const who of [supervisor, manager, ana]) {
			expect((await who.request('GET', '/api/admin/sla')).status).toBe(403);
			expect((await putHours({ days: [1], open: '09:00', close: '10:00', holidays: [] }, who)).status).toBe(403);
			expect((await putTarget({ sla_hours: 1, sla_business_hours: false }, STREET, who)).status).toBe(403);
			expect((await who.request('GET', '/admin/sla')).status).toBe(403);
		}
		expect((await fetch(`${app.url}/api/admin/sla`)).status).toBe(401);
		const anonymous = await fetch(`${app.url}/api/admin/sla/service-types/${STREET}`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json', ...origin() },
			body: JSON.stringify({ sla_hours: 1, sla_business_hours: false })
		});
		expect(anonymous.status).toBe(401);
		expect(await slaSettings()).toEqual(before);
	});
});

/** Business hours saved before the invalid writes (and used by the business-clock figures below). */
const HOURS: BusinessHours = { days: [1, 2, 3, 4, 5], open: '08:00', close: '17:00', holidays: ['2014-12-25', '2015-01-01', '2015-11-26', '2015-12-25'] };

describe('invalid input: 400 with a reason, nothing half-written', () => {
	it('the summary refuses bad dates, ranges and periods', async () => {
		const reason = async (q: string) => reasonOf(await manager.request('GET', `/api/reports/summary?${q}`), 400);
		expect(await reason('start_date=yesterday')).toMatch(/start_date "yesterday"/);
		expect(await reason('start_date=2026-02-30')).toMatch(/start_date "2026-02-30"/);
		expect(await reason('end_date=2015-13-01')).toMatch(/end_date/);
		expect(await reason('start_date=2015-06-01T00:00')).toMatch(/start_date.*zone/);
		expect(await reason('start_date=2015-02-01&end_date=2015-01-01')).toMatch(/start_date is after end_date/);
		expect(await reason('period=year')).toMatch(/period "year"/);
		expect(await reason('range=forever')).toMatch(/range "forever"/);
		expect(await reason('service_code=')).toMatch(/service_code/);
		const page = await manager.request('GET', '/reports?period=year');
		expect(page.status).toBe(400);
		expect(await page.text()).toContain('period');
	});

	it('business hours: close before open, no days, bad holidays, not JSON, no Content-Type are refused; the saved hours stay', async () => {
		const saved = await putHours(HOURS);
		expect(saved.status).toBe(200);
		expect(await saved.json()).toEqual({ business_hours: HOURS });
		expect((await slaSettings()).business_hours).toEqual(HOURS);

		const refused = async (res: Response) => {
			const reason = await reasonOf(res, 400);
			expect((await slaSettings()).business_hours).toEqual(HOURS);
			return reason;
		};
		expect(await refused(await putHours({ ...HOURS, open: '17:00', close: '08:00' }))).toMatch(/closing time must be after opening time/);
		expect(await refused(await putHours({ ...HOURS, days: [] }))).toMatch(/working day/);
		expect(await refused(await putHours({ ...HOURS, days: [1, 9] }))).toMatch(/days/);
		expect(await refused(await putHours({ ...HOURS, holidays: ['2015-02-30'] }))).toMatch(/not a calendar date/);
		expect(await refused(await putHours({ ...HOURS, holidays: ['25/12/2015'] }))).toMatch(/2026-12-25/);
		expect(await refused(await putHours({ ...HOURS, open: '8am' }))).toMatch(/08:00/);
		expect(await refused(await admin.request('PUT', '/api/admin/sla/business-hours', '{"days": [1,', { 'content-type': 'application/json', ...origin() }))).toMatch(
			/not valid JSON/
		);
		// Bytes carry no Content-Type of their own.
		const untyped = await fetch(`${app.url}/api/admin/sla/business-hours`, {
			method: 'PUT',
			headers: { cookie: admin.cookie, ...origin() },
			body: new TextEncoder().encode(JSON.stringify(HOURS))
		});
		expect(await refused(untyped)).toMatch(/Content-Type: application\/json/);
	});

	it('a target of -1, "abc", 0, too many hours or missing fields is refused; an unknown type is 404; the target stays', async () => {
		const before = await targetOf(STREET);
		expect(before).toMatchObject({ sla_hours: targets.get(STREET)!.sla_hours, sla_business_hours: false });
		for (const [body, why] of [
			[{ sla_hours: -1, sla_business_hours: false }, /more than 0 hours/],
			[{ sla_hours: 'abc', sla_business_hours: false }, /number of hours/],
			[{ sla_hours: 0, sla_business_hours: false }, /more than 0 hours/],
			[{ sla_hours: 10_000_000, sla_business_hours: false }, /at most 8784 hours/],
			[{ sla_hours: 100_000, sla_business_hours: false }, /at most 8784 hours/],
			[{ sla_hours: 24, sla_business_hours: 'yes' }, /sla_business_hours/],
			[{ sla_business_hours: false }, /number of hours/],
			[{ sla_hours: 24 }, /sla_business_hours/],
			[[24, false], /./]
		] as const) {
			expect(await reasonOf(await putTarget(body), 400), JSON.stringify(body)).toMatch(why);
			expect(await targetOf(STREET)).toEqual(before);
		}
		expect(await reasonOf(await putTarget('not json', STREET), 400)).toMatch(/not valid JSON/);
		expect(await reasonOf(await putTarget({ sla_hours: 24, sla_business_hours: false }, 'no_such_type'), 404)).toMatch(/no_such_type/);
		expect(await targetOf(STREET)).toEqual(before);
	});

	it('the admin page form actions refuse an empty target or reversed hours with 400', async () => {
		const before = await slaSettings();
		const html = await postForm(admin, 'target', { code: STREET, sla_hours: '' }, false);
		expect(html.status).toBe(400);
		expect(await html.text()).toContain('number of hours');
		const enhanced = await postForm(admin, 'target', { code: STREET, sla_hours: '', sla_business_hours: 'on' }, true);
		const result = (await enhanced.json()) as { type: string; status: number; data: string };
		expect(result).toMatchObject({ type: 'failure', status: 400 });
		expect(result.data).toContain('number of hours');
		const hours = await postForm(admin, 'hours', { days: '1', open: '17:00', close: '08:00', holidays: '' }, true);
		const hoursResult = (await hours.json()) as { type: string; status: number; data: string };
		expect(hoursResult).toMatchObject({ type: 'failure', status: 400 });
		expect(hoursResult.data).toContain('closing time must be after opening time');
		const unknown = (await (await postForm(admin, 'target', { code: 'no_such_type', sla_hours: '5' }, true)).json()) as { type: string; status: number };
		expect(unknown).toMatchObject({ type: 'failure', status: 404 });
		expect(await slaSettings()).toEqual(before);
	});
});

describe('SLA edits move the figures', () => {
	it('a year-long target, then a 1 h business-hours target, change the share as computed here; restoring it restores the figures', async () => {
		const street = cases.filter((c) => c.code === STREET);
		const query = `range=all&service_code=${STREET}`;
		const original = targets.get(STREET)!;
		const baseline = await summary(query);
		expectFigures('baseline', baseline.summary.totals, figuresOf(street, targets));
		try {
			const year = { sla_hours: 8784, sla_business_hours: false };
			expect(await (await putTarget(year)).json()).toEqual({ code: STREET, ...year });
			const long = await summary(query);
			expect(long.sla.targets.find((t) => t.service_code === STREET)).toMatchObject(year);
			const wantLong = figuresOf(street, new Map([[STREET, year]]));
			expectFigures('8784 h', long.summary.totals, wantLong);
			expect(long.summary.totals.sla_share!).toBeGreaterThan(baseline.summary.totals.sla_share!);
			// 8784 h (a year) is the longest target allowed: only the cases that took longer are outside it.
			expect(wantLong.sla_judged - wantLong.within_sla).toBe(street.filter((c) => !c.open && c.closed! >= c.requested && c.closed! - c.requested > 8784 * MS_PER_HOUR).length);

			const oneHour = { sla_hours: 1, sla_business_hours: false };
			expect((await putTarget(oneHour)).status).toBe(200);
			const wallClock = await summary(query);
			expectFigures('1 h continuous', wallClock.summary.totals, figuresOf(street, new Map([[STREET, oneHour]])));

			const business = { sla_hours: 1, sla_business_hours: true };
			expect((await putTarget(business)).status).toBe(200);
			const inHours = await summary(query);
			expect(inHours.sla.business_hours).toEqual(HOURS);
			const wantBusiness = figuresOf(street, new Map([[STREET, business]]), (c) => businessMs(c.requested, c.closed, HOURS, MS_PER_HOUR));
			expectFigures('1 business hour', inHours.summary.totals, wantBusiness);
			// Business time never exceeds wall-clock time: more requests are within than on the continuous clock.
			expect(inHours.summary.totals.within_sla).toBeGreaterThan(wallClock.summary.totals.within_sla);
			// Time to close itself stays wall-clock.
			expect(inHours.summary.totals.median_hours).toBe(baseline.summary.totals.median_hours);
		} finally {
			expect((await putTarget(original)).status).toBe(200);
		}
		expect(await targetOf(STREET)).toMatchObject(original);
		expectFigures('restored', (await summary(query)).summary.totals, figuresOf(street, targets));
	});
});

describe('the SLA clock stops at the device time of the close', () => {
	it('a close written on the tablet 3 s after the request and uploaded later counts 3 s', async () => {
		// A new request through Open311 (an admin issues the key).
		const key = await admin.request('POST', '/api/admin/api-keys', { name: 'reports tests' }, origin());
		expect(key.status).toBe(201);
		const apiKey = ((await key.json()) as { key: string }).key;
		const posted = await fetch(`${app.url}/open311/v2/requests.json`, {
			method: 'POST',
			body: new URLSearchParams({ api_key: apiKey, service_code: STREET, lat: String(SPOT.lat), long: String(SPOT.long), description: 'Bags of leaves on the sidewalk' })
		});
		const answer = (await posted.json()) as { service_request_id: string }[];
		expect(posted.status, JSON.stringify(answer)).toBe(201);
		const id = answer[0]!.service_request_id;
		const created = await store.db('orders').get<WorkOrder>(`order:${id}`);
		expect(created.duplicate_of).toBeNull();
		const requested = Date.parse(created.requested_datetime);

		// The supervisor gives it to Ana's crew.
		const assigned = await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: DEMO_CREW_MEMBER.crew } });
		expect(assigned.status).toBe(200);

		// Ana closes it on her tablet 3 s after the request ("no issue found" needs no after photo)…
		const deviceTime = requested + 3000;
		const actionId = randomUUID();
		const close = {
			_id: actionDocId(actionId),
			type: 'field_action',
			id: actionId,
			action: 'close',
			order_id: id,
			crew: DEMO_CREW_MEMBER.crew,
			author: DEMO_CREW_MEMBER.username,
			device_time: new Date(deviceTime).toISOString(),
			base_rev: null,
			payload: { resolution_code: 'no_issue_found', public_note: 'Nothing there any more.' }
		};
		// …and the tablet uploads it only a few seconds later.
		await new Promise((r) => setTimeout(r, Math.max(0, deviceTime + 3000 - Date.now())));
		const uploaded = Date.now();
		const put = await ana.request('PUT', `/sync/${crewDbName(DEMO_CREW_MEMBER.crew)}/${encodeURIComponent(close._id)}`, close);
		expect(put.status, await put.clone().text()).toBe(201);
		const closed = await eventually(async () => {
			const o = await store.db('orders').get<WorkOrder>(`order:${id}`);
			return o.status === 'closed' ? o : undefined;
		}, CLOSE_WAIT_MS);
		expect(Date.parse(closed.closed_datetime!)).toBe(deviceTime);

		// The figures of a range holding only this request.
		const range = `start_date=${encodeURIComponent(new Date(requested).toISOString())}&end_date=${encodeURIComponent(new Date(requested + 999).toISOString())}&service_code=${STREET}`;
		const r = await eventually(async () => {
			const s = await summary(range);
			return s.summary.totals.closed === 1 ? s : undefined;
		}, CLOSE_WAIT_MS);
		const t = r.summary.totals;
		expect(t).toMatchObject({ requests: 1, open: 0, closed: 1, excluded: 0, within_sla: 1, sla_judged: 1, sla_share: 1 });
		const wantHours = (deviceTime - requested) / MS_PER_HOUR;
		expect(Math.abs(t.median_hours! - wantHours)).toBeLessThan(HOURS_TOLERANCE);
		expect(Math.abs(t.p90_hours! - wantHours)).toBeLessThan(HOURS_TOLERANCE);
		expect(t.median_hours!).toBeLessThan((uploaded - requested) / MS_PER_HOUR);
		expect(row(r, 'crew', DEMO_CREW_MEMBER.crew)).toMatchObject({ requests: 1, closed: 1 });
	});
});
