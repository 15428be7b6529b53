import { readFileSync } from 'node:fs';
import { TZDate } from '@date-fns/tz';
import { beforeAll, describe, expect, it } from 'vitest';
import {
	crewSchema,
	departmentSchema,
	DESCRIPTION_MAX,
	publicTimeline,
	serviceTypeSchema,
	sessionUserSchema,
	userSchema,
	workOrderSchema,
	type WorkOrder
} from '../../../src/lib/domain';
import {
	buildDemoSeed,
	caseToWorkOrder,
	DOWNTOWN_BBOX,
	insideDowntown,
	ORIGINAL_REQUESTED_FLAG_PREFIX,
	REDATED_FLAG,
	redateToToday,
	resolutionCodeFor,
	startOfSfDay,
	type CaseToOrderContext,
	type DemoSeed
} from '../../../src/lib/server/seed/orders';
import { buildServiceTypes } from '../../../src/lib/server/seed/service-types';
import { parseSf311Csv, SF_TIME_ZONE, type Sf311Case } from '../../../src/lib/server/seed/sf311-csv';

const CSV_PATH = new URL('../../../seed/sf311/sf311_cases_sample_2008-2016.csv', import.meta.url);
/** 11:30 in San Francisco (PDT), the day after a DST change. */
const NOW = new Date('2025-03-10T18:30:00Z');
/** 06:15 in San Francisco (PST): most cases' time of day is later, so they are clamped to now. */
const EARLY_WINTER_NOW = new Date('2025-12-01T14:15:00Z');

let cases: Sf311Case[];
let ctx: CaseToOrderContext;
let seed: DemoSeed;
const caseById = (id: string) => cases.find((c) => c.case_id === id)!;
const sfDate = (iso: string | Date) => {
	const d = new TZDate(typeof iso === 'string' ? Date.parse(iso) : +iso, SF_TIME_ZONE);
	return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
};

beforeAll(async () => {
	cases = (await parseSf311Csv(readFileSync(CSV_PATH, 'utf8'))).rows;
	ctx = { serviceTypes: new Map(buildServiceTypes(cases).map((t) => [t.service_code, t])) };
	seed = buildDemoSeed(cases, NOW);
});

describe('caseToWorkOrder', () => {
	it('maps a closed case with its SLA, department, raw queue and import history', () => {
		const order = caseToWorkOrder(caseById('1757188'), ctx);
		expect(workOrderSchema.parse(order)).toEqual(order);
		expect(order).toMatchObject({
			_id: 'order:1757188',
			service_request_id: '1757188',
			service_code: 'street_defects',
			service_name: 'Street Defects',
			description: 'Utility_Excavation', // Request.Details repeats Request.Type
			agency_responsible: 'DPW BSM Queue',
			department: 'dpw',
			status: 'closed',
			priority: 'normal',
			crew: null,
			requested_datetime: '2012-12-04T15:21:00-08:00',
			updated_datetime: '2012-12-06T04:39:00-08:00',
			closed_datetime: '2012-12-06T04:39:00-08:00',
			expected_datetime: '2012-12-07T15:21:00-08:00', // + 72 h
			attributes: { request_type: 'utility_excavation' },
			neighborhood: 'Marina',
			supervisor_district: '2',
			zipcode: '94123',
			source_channel: 'Voice In',
			reporter: null,
			resolution: { code: 'completed', note: null, at: '2012-12-06T04:39:00-08:00', by: 'sf311-import' },
			public_notes: []
		});
		expect(order.history).toHaveLength(1);
		expect(order.history[0]).toMatchObject({ action: 'import', by: 'sf311-import', visibility: 'internal' });
	});

	it('keeps closed-before-opened cases as they are, flagged', () => {
		const flagged = cases.find((c) => c.flags.includes('closed_before_opened'))!;
		const order = caseToWorkOrder(flagged, ctx);
		expect(order.flags).toContain('closed_before_opened');
		expect(Date.parse(order.closed_datetime!)).toBeLessThan(Date.parse(order.requested_datetime));
	});

	it('turns the notes of a closed case into a public note and reads a resolution from them', () => {
		const c = cases.find((x) => x.status === 'closed' && x.status_notes?.startsWith('Case is a Duplicate'))!;
		const order = caseToWorkOrder(c, ctx);
		expect(order.public_notes).toEqual([{ at: order.closed_datetime, text: c.status_notes, status: 'closed', action_id: null }]);
		expect(order.resolution?.code).toBe('duplicate');
		expect(order.status_notes).toBe(c.status_notes);
	});

	it('makes open cases "new" with no public note', () => {
		const c = cases.find((x) => x.status === 'open' && x.status_notes !== null)!;
		const order = caseToWorkOrder(c, ctx);
		expect(order).toMatchObject({ status: 'new', closed_datetime: null, resolution: null, public_notes: [], crew: null });
	});

	it('caps the description at the Open311 limit', () => {
		const c = { ...caseById('1757188'), request_details: 'x'.repeat(5000) };
		expect(caseToWorkOrder(c, ctx).description).toHaveLength(DESCRIPTION_MAX);
	});

	it('maps every real case to a valid work order', () => {
		for (const c of cases) workOrderSchema.parse(caseToWorkOrder(c, ctx));
	});
});

describe('resolutionCodeFor', () => {
	const offered = ['completed', 'no_issue_found', 'duplicate', 'referred', 'gone_on_arrival', 'towed'];
	it.each([
		['Case is a Duplicate - SEE SR 123', 'duplicate'],
		['DPT Abandoned Vehicles- Gone on arrival - 8-2-13 @ 1131', 'gone_on_arrival'],
		['DPT Abandoned Vehicles- Towed-', 'towed'],
		['Case Transferred - to PSR', 'referred'],
		['Case Completed - resolved: WASTE NOT FOUND', 'no_issue_found'],
		['Case Completed - resolved:', 'completed'],
		['Case Completed - cancelled', 'completed'] // "cancelled" is not offered here
	])('%s -> %s', (notes, code) => {
		expect(resolutionCodeFor(notes, offered)).toBe(code);
	});
	it('falls back to the next rule, then to completed', () => {
		expect(resolutionCodeFor('Gone on arrival', ['completed', 'no_issue_found'])).toBe('no_issue_found');
		expect(resolutionCodeFor(null, offered)).toBe('completed');
	});
});

describe('redateToToday', () => {
	it('keeps the San Francisco time of day on now\u2019s SF date, with that date\u2019s offset', () => {
		expect(redateToToday('2015-12-20T08:07:00-08:00', NOW)).toBe('2025-03-10T08:07:00-07:00');
	});
	it('never goes past now', () => {
		expect(redateToToday('2015-12-20T21:07:00-08:00', NOW)).toBe('2025-03-10T11:30:00-07:00');
		expect(redateToToday('2015-12-20T21:07:00-08:00', new Date('2025-03-10T18:30:00.750Z'))).toBe('2025-03-10T11:30:00-07:00');
	});
	it('uses San Francisco\u2019s date, not UTC\u2019s', () => {
		// 02:00 UTC on the 11th is still the 10th in San Francisco.
		expect(redateToToday('2015-12-20T08:07:00-08:00', new Date('2025-03-11T02:00:00Z'))).toBe('2025-03-10T08:07:00-07:00');
		expect(startOfSfDay(new Date('2025-03-11T02:00:00Z'))).toBe('2025-03-10T00:00:00-07:00');
	});
});

describe('buildDemoSeed', () => {
	it('takes the 28 open cases inside the downtown bbox as today\u2019s orders', () => {
		expect(seed.today).toHaveLength(28);
		const expected = cases.filter((c) => c.status === 'open' && insideDowntown(c)).map((c) => c.case_id).sort();
		expect(seed.today.map((o) => o.service_request_id).sort()).toEqual(expected);
		expect(cases.filter((c) => insideDowntown(c))).toHaveLength(599);
		for (const o of seed.today) {
			expect(o.lat).toBeGreaterThanOrEqual(DOWNTOWN_BBOX.south);
			expect(o.long).toBeLessThanOrEqual(DOWNTOWN_BBOX.east);
		}
	});

	it('an order the seed assigns shows the assignment on its public timeline, after it came in', () => {
		const assigned = seed.today.filter((o) => o.status === 'assigned');
		expect(assigned.length).toBeGreaterThan(0);
		for (const o of assigned) {
			const steps = publicTimeline(o);
			expect(steps.map((s) => s.step)).toEqual(['received', 'assigned']);
			expect(Date.parse(steps[1]!.at)).toBeGreaterThanOrEqual(Date.parse(steps[0]!.at));
		}
		for (const o of seed.today.filter((x) => x.status === 'new')) expect(publicTimeline(o).map((s) => s.step)).toEqual(['received']);
	});

	it('replaces the historic copies: history and today are disjoint and together hold every case once', () => {
		const ids = [...seed.history, ...seed.today].map((o) => o._id);
		expect(ids).toHaveLength(4984);
		expect(new Set(ids).size).toBe(4984);
		expect(seed.history).toHaveLength(4984 - 28);
	});

	it('re-dates today\u2019s orders to now\u2019s SF date, never in the future, keeping the original time', () => {
		for (const o of seed.today) {
			expect(Date.parse(o.requested_datetime)).toBeLessThanOrEqual(+NOW);
			expect(sfDate(o.requested_datetime)).toBe(sfDate(NOW));
			expect(o.updated_datetime).toBe(o.requested_datetime);
			expect(o.flags).toContain(REDATED_FLAG);
			const original = o.flags.find((f) => f.startsWith(ORIGINAL_REQUESTED_FLAG_PREFIX))!.slice(ORIGINAL_REQUESTED_FLAG_PREFIX.length);
			expect(original).toBe(caseById(o.service_request_id).opened);
			expect(original.slice(11, 19) === o.requested_datetime.slice(11, 19) || o.requested_datetime === '2025-03-10T11:30:00-07:00').toBe(true);
		}
		const early = buildDemoSeed(cases, EARLY_WINTER_NOW);
		for (const o of early.today) {
			expect(Date.parse(o.requested_datetime)).toBeLessThanOrEqual(+EARLY_WINTER_NOW);
			expect(o.requested_datetime.startsWith('2025-12-01T')).toBe(true);
			expect(o.requested_datetime.endsWith('-08:00')).toBe(true);
		}
	});

	it('assigns today\u2019s orders across 4\u20136 crews that handle them, each crew getting work', () => {
		expect(seed.crews.length).toBeGreaterThanOrEqual(4);
		expect(seed.crews.length).toBeLessThanOrEqual(6);
		const dayStart = startOfSfDay(NOW);
		for (const crew of seed.crews) {
			const mine = seed.today.filter((o) => o.crew === crew.id);
			expect(mine.length, crew.id).toBeGreaterThanOrEqual(1);
			for (const o of mine) {
				expect(o.status).toBe('assigned');
				expect(crew.service_codes).toContain(o.service_code);
				expect(o.department).toBe(crew.department);
				expect(o.assignments).toEqual([{ crew: crew.id, from: dayStart }]);
			}
		}
		const unassigned = seed.today.filter((o) => o.crew === null);
		for (const o of unassigned) {
			expect(o.status).toBe('new');
			expect(o.assignments).toEqual([]);
			expect(seed.crews.some((c) => c.service_codes.includes(o.service_code) && c.department === o.department)).toBe(false);
		}
		expect(unassigned.map((o) => o.service_request_id).sort()).toEqual(['2556331', '3521625', '5343417', '5402093', '5407820', '5502529', '5504475']);
	});

	it('balances the two cleaning crews', () => {
		const count = (crew: string) => seed.today.filter((o) => o.crew === crew).length;
		expect(count('dpw-cleaning-1') + count('dpw-cleaning-2')).toBe(8);
		expect(Math.abs(count('dpw-cleaning-1') - count('dpw-cleaning-2'))).toBeLessThanOrEqual(1);
	});

	it('gives crews depots near downtown and services that exist', () => {
		const codes = new Set(seed.serviceTypes.map((t) => t.service_code));
		const departments = new Set(seed.departments.map((d) => d.id));
		const margin = 0.01; // degrees, about 1 km
		for (const crew of seed.crews) {
			expect(crew.depot.lat).toBeGreaterThan(DOWNTOWN_BBOX.south - margin);
			expect(crew.depot.lat).toBeLessThan(DOWNTOWN_BBOX.north + margin);
			expect(crew.depot.long).toBeGreaterThan(DOWNTOWN_BBOX.west - margin);
			expect(crew.depot.long).toBeLessThan(DOWNTOWN_BBOX.east + margin);
			for (const code of crew.service_codes) expect(codes.has(code), code).toBe(true);
			expect(departments.has(crew.department)).toBe(true);
		}
	});

	it('creates two users per crew plus supervisor, manager and admin, without passwords', () => {
		expect(seed.users.map((u) => u.id)).toEqual(['ana', 'ben', 'carla', 'dev', 'eli', 'fatima', 'gus', 'hana', 'ivan', 'jun', 'supervisor', 'manager', 'admin']);
		for (const crew of seed.crews) {
			expect(crew.members).toHaveLength(2);
			for (const m of crew.members) expect(seed.users.find((u) => u.id === m)).toMatchObject({ role: 'crew', crew: crew.id });
		}
		for (const u of seed.users) {
			expect(Object.keys(u).sort()).toEqual(['crew', 'id', 'name', 'role']);
			expect(sessionUserSchema.parse(u)).toEqual(u);
			// What the caller writes once it has hashed a password.
			userSchema.parse({ ...u, _id: `user:${u.id}`, type: 'user', password_hash: 'x', created_at: '2025-03-10T11:30:00-07:00' });
		}
	});

	it('produces documents that all parse with their schemas', () => {
		for (const d of seed.departments) departmentSchema.parse(d);
		for (const t of seed.serviceTypes) serviceTypeSchema.parse(t);
		for (const c of seed.crews) crewSchema.parse(c);
		const check = (o: WorkOrder) => expect(workOrderSchema.parse(o)).toEqual(o);
		seed.history.forEach(check);
		seed.today.forEach(check);
		expect(seed.serviceTypes).toHaveLength(26);
	});

	it('is deterministic for the same cases and now', () => {
		expect(buildDemoSeed(cases, new Date(+NOW))).toEqual(seed);
	});
});
