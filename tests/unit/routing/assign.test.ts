import { describe, expect, it } from 'vitest';
import {
	estimateWorkload,
	InvalidSuggestError,
	suggestCrews,
	suggestInputSchema,
	WORKDAY_MINUTES,
	type CrewForSuggest,
	type OrderForSuggest,
	type SuggestResult,
	type WorkStop
} from '../../../src/lib/routing/assign';
import { haversineKm, straightMinutes } from '../../../src/lib/routing/route';
import type { Point } from '../../../src/lib/domain';

const CIVIC_CENTER = { lat: 37.7793, long: -122.4193 };
const FERRY_BUILDING = { lat: 37.7955, long: -122.3937 };
const GOLDEN_GATE_PARK = { lat: 37.7694, long: -122.4862 };

/** A point `north` metres north and `east` metres east of `from`. */
const offset = (from: Point, north: number, east: number): Point => ({
	lat: from.lat + north / 111_320,
	long: from.long + east / (111_320 * Math.cos((from.lat * Math.PI) / 180))
});
const stopAt = (id: string, p: Point, service_minutes = 30): WorkStop => ({ id, ...p, service_minutes });
const order = (id: string, p: Point, extra: Partial<OrderForSuggest> = {}): OrderForSuggest => ({
	...stopAt(id, p),
	department: 'dpw',
	service_code: 'pothole',
	...extra
});
const crew = (id: string, start: Point, extra: Partial<CrewForSuggest> = {}): CrewForSuggest => ({
	id,
	department: 'dpw',
	service_codes: [],
	start,
	stops: [],
	...extra
});
const assignments = (r: SuggestResult) => Object.fromEntries(r.suggestions.map((s) => [s.order, s.crew]));
const countFor = (r: SuggestResult, crewId: string) => r.suggestions.filter((s) => s.crew === crewId).length;

/** A small seeded generator (LCG), so scenario data is reproducible without hard-coding it. */
function lcg(seed: number) {
	let s = seed >>> 0;
	return () => {
		s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
		return s / 2 ** 32;
	};
}
function shuffled<T>(xs: readonly T[], random: () => number): T[] {
	const out = [...xs];
	for (let i = out.length - 1; i > 0; i--) {
		const j = Math.floor(random() * (i + 1));
		[out[i], out[j]] = [out[j]!, out[i]!];
	}
	return out;
}
/** `nOrders` orders and `nCrews` crews with `stopsPerCrew` open orders each, scattered over ~5 km of SF. */
function city(nOrders: number, nCrews: number, stopsPerCrew: number, seed = 7) {
	const random = lcg(seed);
	const near = () => offset(CIVIC_CENTER, (random() - 0.5) * 5000, (random() - 0.5) * 5000);
	const departments = ['dpw', 'puc'];
	const codes = ['pothole', 'graffiti', 'streetlight'];
	const crews = Array.from({ length: nCrews }, (_, c) =>
		crew(`crew-${c}`, near(), {
			department: departments[c % 2]!,
			service_codes: [codes[c % 3]!],
			stops: Array.from({ length: stopsPerCrew }, (_, s) => stopAt(`open-${c}-${s}`, near(), 10 + Math.floor(random() * 40)))
		})
	);
	const orders = Array.from({ length: nOrders }, (_, o) =>
		order(`wo-${o}`, near(), { service_minutes: 10 + Math.floor(random() * 40), department: departments[o % 2]!, service_code: codes[o % 3]! })
	);
	return { crews, orders };
}

describe('estimateWorkload', () => {
	it('is drive along the path plus service, whole minutes; nothing for an empty day', () => {
		const p = offset(CIVIC_CENTER, 1000, 0);
		expect(estimateWorkload(CIVIC_CENTER, [stopAt('a', p, 25)])).toEqual({ minutes: Math.round(straightMinutes(haversineKm(CIVIC_CENTER, p)) + 25), orders: 1 });
		expect(estimateWorkload(CIVIC_CENTER, [])).toEqual({ minutes: 0, orders: 0 });
	});

	it('drives a line of stops once, out and not back, whatever order they are given in', () => {
		const stops = [3, 1, 4, 2].map((k) => stopAt(`s${k}`, offset(CIVIC_CENTER, k * 1000, 0), 0));
		const oneWay = straightMinutes(haversineKm(CIVIC_CENTER, offset(CIVIC_CENTER, 4000, 0)));
		expect(estimateWorkload(CIVIC_CENTER, stops).minutes).toBe(Math.round(oneWay));
		expect(estimateWorkload(CIVIC_CENTER, [...stops].reverse())).toEqual(estimateWorkload(CIVIC_CENTER, stops));
	});
});

describe('suggestCrews', () => {
	it('splits identical work evenly between two idle crews at the same start', () => {
		const site = offset(CIVIC_CENTER, 1000, 0);
		const orders = Array.from({ length: 10 }, (_, i) => order(`wo-${i}`, site));
		const r = suggestCrews({ crews: [crew('a', CIVIC_CENTER), crew('b', CIVIC_CENTER)], orders });
		expect(countFor(r, 'a')).toBe(5);
		expect(countFor(r, 'b')).toBe(5);
		expect(r.after[0]!.minutes).toBe(r.after[1]!.minutes);
	});

	it('sends each order to the nearer crew when loads are equal', () => {
		const east = [0, 1, 2].map((i) => order(`east-${i}`, offset(FERRY_BUILDING, -300 * i, -200)));
		const west = [0, 1, 2].map((i) => order(`west-${i}`, offset(GOLDEN_GATE_PARK, 300 * i, 200)));
		const r = suggestCrews({ crews: [crew('east', FERRY_BUILDING), crew('west', GOLDEN_GATE_PARK)], orders: [...east, ...west] });
		for (const s of r.suggestions) expect(s.crew).toBe(s.order.split('-')[0]);
		expect(r.suggestions[0]!.reason).toMatch(/nearest/);
	});

	it('gives the order to an idle crew over a busy one at similar distance', () => {
		const site = offset(CIVIC_CENTER, 800, 0);
		const idleStart = offset(CIVIC_CENTER, -200, 0); // 1000 m from the site, the busy crew 800 m
		const backlog = Array.from({ length: 12 }, (_, i) => stopAt(`open-${i}`, offset(CIVIC_CENTER, 0, 50 * i)));
		const busy = crew('busy', CIVIC_CENTER, { stops: backlog });
		const r = suggestCrews({ crews: [busy, crew('idle', idleStart)], orders: [order('wo-1', site)] });
		expect(r.suggestions[0]!.crew).toBe('idle');
		expect(r.suggestions[0]!.reason).toMatch(/least busy/);
		// Control: without its backlog the same crew is nearer and takes it.
		const control = suggestCrews({ crews: [{ ...busy, stops: [] }, crew('idle', idleStart)], orders: [order('wo-1', site)] });
		expect(control.suggestions[0]!.crew).toBe('busy');
	});

	it("never crosses departments: an order of a department without a crew gets none, with the reason", () => {
		const site = offset(CIVIC_CENTER, 500, 0);
		const r = suggestCrews({
			crews: [crew('water', site, { department: 'puc' }), crew('streets', offset(CIVIC_CENTER, -3000, 0))],
			orders: [order('mail', site, { department: 'usps' }), order('hole', site)]
		});
		expect(r.suggestions[0]).toEqual({ order: 'mail', crew: null, added_minutes: 0, reason: 'no crew of department usps' });
		expect(r.suggestions[1]!.crew).toBe('streets'); // the puc crew stands on the site, but it is not dpw's
		expect(r.suggestions[1]!.reason).toMatch(/^only crew of department dpw/);
	});

	it('prefers a crew that handles the service code, else the whole department', () => {
		const site = offset(CIVIC_CENTER, 1000, 0);
		const generalStart = offset(CIVIC_CENTER, 0, 1500); // 1.8 km from the site, the paving crew 2 km
		const crews = [crew('general', generalStart, { service_codes: ['graffiti'] }), crew('paving', offset(CIVIC_CENTER, -1000, 0), { service_codes: ['pothole'] })];
		const sign = offset(generalStart, 0, 300); // out past the general crew, far off the paving crew's way
		const r = suggestCrews({ crews, orders: [order('hole', site), order('sign', sign, { service_code: 'sign_repair' })] });
		expect(assignments(r)).toEqual({ hole: 'paving', sign: 'general' });
		expect(r.suggestions[0]!.reason).toMatch(/^handles pothole/);
		expect(r.suggestions[1]!.reason).toMatch(/^same department, nearest/);
	});

	it('spreads work past the workday to a crew with room, and says when no crew has any', () => {
		const site = offset(CIVIC_CENTER, 500, 0);
		const orders = Array.from({ length: 6 }, (_, i) => order(`wo-${i}`, site, { service_minutes: 60 }));
		const crews = [crew('near', CIVIC_CENTER), crew('far', offset(CIVIC_CENTER, -6000, 0))];
		const r = suggestCrews({ crews, orders, workdayMinutes: 4 * 60 });
		expect(countFor(r, 'near')).toBeGreaterThan(0);
		expect(countFor(r, 'far')).toBeGreaterThan(0);
		for (const w of r.after) expect(w.minutes).toBeLessThanOrEqual(4 * 60);

		const full = suggestCrews({ crews: [crew('near', CIVIC_CENTER, { stops: [stopAt('open', CIVIC_CENTER, WORKDAY_MINUTES)] })], orders: [order('wo', site)] });
		expect(full.suggestions[0]!.crew).toBe('near');
		expect(full.suggestions[0]!.reason).toMatch(/min past the workday/);
	});

	it('places first the order with the most to lose (regret), not the first by id', () => {
		// One order fits in each crew's day. "a-mid" is a little nearer crew "a" (640 m against 780 m); "b-west"
		// is near only crew "a". Taking orders by id would give "a-mid" to "a" and send "b-west" across town.
		const crews = [crew('a', CIVIC_CENTER), crew('b', offset(CIVIC_CENTER, 0, 1000))];
		const orders = [order('a-mid', offset(CIVIC_CENTER, 500, 400), { service_minutes: 200 }), order('b-west', offset(CIVIC_CENTER, 0, -3000), { service_minutes: 200 })];
		const r = suggestCrews({ crews, orders, workdayMinutes: 4 * 60 });
		expect(assignments(r)).toEqual({ 'a-mid': 'b', 'b-west': 'a' });
		const total = (w: { minutes: number }[]) => w.reduce((sum, x) => sum + x.minutes, 0);
		const swapped = [estimateWorkload(crews[0]!.start, [orders[0]!]), estimateWorkload(crews[1]!.start, [orders[1]!])];
		expect(total(r.after)).toBeLessThan(total(swapped));
		for (const s of r.suggestions) expect(s.reason).toMatch(new RegExp(`with room: \\+${s.added_minutes} min$`));
	});

	it('is deterministic and ignores the order of its input', () => {
		const { crews, orders } = city(60, 6, 5);
		const first = suggestCrews({ crews, orders });
		expect(suggestCrews({ crews, orders })).toEqual(first);
		const random = lcg(42);
		const shuffledCrews = shuffled(crews, random).map((c) => ({ ...c, stops: shuffled(c.stops, random) }));
		const again = suggestCrews({ crews: shuffledCrews, orders: shuffled(orders, random) });
		expect(assignments(again)).toEqual(assignments(first));
		expect(new Set(again.suggestions.map((s) => s.reason))).toEqual(new Set(first.suggestions.map((s) => s.reason)));
		expect(again.before).toEqual(first.before);
		expect(again.after).toEqual(first.after);
	});

	it('reports every crew before and after, as estimateWorkload of its final stops', () => {
		const { crews, orders } = city(30, 4, 3);
		const r = suggestCrews({ crews, orders });
		expect(r.suggestions).toHaveLength(orders.length);
		expect(r.suggestions.map((s) => s.order)).toEqual(orders.map((o) => o.id));
		for (const c of crews) {
			const mine = orders.filter((o) => r.suggestions.find((s) => s.order === o.id)!.crew === c.id);
			expect(r.before.find((w) => w.crew === c.id)).toEqual({ crew: c.id, ...estimateWorkload(c.start, c.stops) });
			expect(r.after.find((w) => w.crew === c.id)).toEqual({ crew: c.id, ...estimateWorkload(c.start, [...c.stops, ...mine]) });
		}
		// Crews of both departments exist, so every order finds one, in its own department.
		for (const s of r.suggestions) {
			const o = orders.find((x) => x.id === s.order)!;
			expect(crews.find((c) => c.id === s.crew)?.department).toBe(o.department);
			expect(s.added_minutes).toBeGreaterThanOrEqual(Math.round(o.service_minutes));
		}
	});

	it('handles no orders and no crews', () => {
		const { crews } = city(0, 3, 4);
		const none = suggestCrews({ crews, orders: [] });
		expect(none.suggestions).toEqual([]);
		expect(none.after).toEqual(none.before);
		expect(none.before.map((w) => w.crew)).toEqual(['crew-0', 'crew-1', 'crew-2']);
		const noCrews = suggestCrews({ crews: [], orders: [order('wo', CIVIC_CENTER)] });
		expect(noCrews).toEqual({ suggestions: [{ order: 'wo', crew: null, added_minutes: 0, reason: 'no crew of department dpw' }], before: [], after: [] });
	});

	it('rejects duplicate ids and out-of-range values', () => {
		const a = crew('a', CIVIC_CENTER, { stops: [stopAt('open-1', CIVIC_CENTER)] });
		expect(() => suggestCrews({ crews: [a], orders: [order('wo', CIVIC_CENTER), order('wo', CIVIC_CENTER)] })).toThrow(InvalidSuggestError);
		expect(() => suggestCrews({ crews: [a], orders: [order('open-1', CIVIC_CENTER)] })).toThrow(/"open-1" appears twice/);
		expect(() => suggestCrews({ crews: [a, crew('a', CIVIC_CENTER)], orders: [] })).toThrow(/crew id "a" appears twice/);
		expect(() => suggestCrews({ crews: [a], orders: [order('wo', { lat: 95, long: -122.41 })] })).toThrow(/orders\.0\.lat/);

		const bad = suggestInputSchema.safeParse({
			crews: [crew('b', { lat: 37.78, long: -200 })],
			orders: [order('wo', CIVIC_CENTER, { service_minutes: -5 }), order('wo2', CIVIC_CENTER, { service_minutes: Number.NaN })],
			workdayMinutes: 0
		});
		expect(bad.success).toBe(false);
		expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['crews.0.start.long', 'orders.0.service_minutes', 'orders.1.service_minutes', 'workdayMinutes']);
	});

	// Its speed is measured by npm run bench:dispatch, not here (timed tests fail on a busy machine).
	it('suggests a crew of the right department for each of 200 orders across 20 crews', () => {
		const { crews, orders } = city(200, 20, 10);
		const r = suggestCrews({ crews, orders });
		expect(r.suggestions).toHaveLength(200);
		const deptOf = new Map(crews.map((c) => [c.id, c.department]));
		for (const [i, s] of r.suggestions.entries()) {
			expect(s.crew).not.toBeNull();
			expect(deptOf.get(s.crew!)).toBe(orders[i]!.department);
		}
	});
});
