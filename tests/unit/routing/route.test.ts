import { describe, expect, it } from 'vitest';
import { InvalidRouteError, solveRoute, type RouteStop } from '../../../src/lib/routing/route';

const START = { lat: 37.7836, long: -122.4011 };
const T0 = '2024-05-01T08:00:00.000-07:00';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60000).toISOString();
/** A stop `m` metres north and `e` metres east of the start. */
const stop = (id: string, m: number, e: number, extra: Partial<RouteStop> = {}): RouteStop => ({
	id,
	lat: START.lat + m / 111_320,
	long: START.long + e / (111_320 * Math.cos((START.lat * Math.PI) / 180)),
	service_min: 10,
	...extra
});
const opts = { timeBudgetMs: 60_000, seed: 1 };

describe('crew route', () => {
	it('visits every stop once, nearest-sensible order along a line', () => {
		const stops = [stop('c', 3000, 0), stop('a', 1000, 0), stop('d', 4000, 0), stop('b', 2000, 0)];
		const r = solveRoute({ start: START, start_time: T0, stops }, opts);
		expect(r.order).toEqual(['a', 'b', 'c', 'd']);
		expect(r.legs.every((l, k) => k === 0 || Date.parse(l.eta) > Date.parse(r.legs[k - 1]!.departs) - 1)).toBe(true);
		expect(r.total_km).toBeGreaterThan(3.9);
		expect(r.total_late_min).toBe(0);
	});

	it('meets time windows whenever an order can: the far stop with an early window goes first', () => {
		const stops = [stop('near1', 500, 0), stop('near2', 600, 0), stop('far-early', -3000, 0, { window: { start: at(0), end: at(20) } })];
		const r = solveRoute({ start: START, start_time: T0, stops }, opts);
		expect(r.order[0]).toBe('far-early');
		expect(r.total_late_min).toBe(0);
		const leg = r.legs.find((l) => l.id === 'far-early')!;
		expect(Date.parse(leg.eta)).toBeLessThanOrEqual(Date.parse(at(20)));
	});

	it('waits for a window that opens later and reports it', () => {
		const r = solveRoute({ start: START, start_time: T0, stops: [stop('later', 200, 0, { window: { start: at(60), end: at(120) } })] }, opts);
		expect(r.legs[0]!.wait_min).toBeGreaterThan(50);
		expect(r.legs[0]!.eta).toBe(new Date(Date.parse(at(60))).toISOString());
	});

	it('urgent work comes before normal work at a similar distance', () => {
		const stops = [stop('normal-east', 0, 800), stop('urgent-west', 0, -900, { priority: 'urgent' })];
		expect(solveRoute({ start: START, start_time: T0, stops }, opts).order[0]).toBe('urgent-west');
		const calm = [stop('normal-east', 0, 800), stop('normal-west', 0, -900)];
		expect(solveRoute({ start: START, start_time: T0, stops: calm }, opts).order[0]).toBe('normal-east');
	});

	it('a locked stop keeps its place', () => {
		const stops = [stop('a', 1000, 0), stop('b', 2000, 0), stop('c', 3000, 0, { locked_at: 0 })];
		const r = solveRoute({ start: START, start_time: T0, stops }, opts);
		expect(r.order[0]).toBe('c');
		expect(r.legs[0]!.locked).toBe(true);
		expect(r.order.slice(1).sort()).toEqual(['a', 'b']);
	});

	it('50 stops with windows: a permutation, windows met, within the budget', () => {
		const stops = Array.from({ length: 50 }, (_, k) =>
			stop(`s${k}`, ((k * 7919) % 3000) - 1500, ((k * 104729) % 3000) - 1500, k % 5 === 0 ? { window: { start: at(0), end: at(8 * 60) } } : {})
		);
		const r = solveRoute({ start: START, start_time: T0, stops }, { timeBudgetMs: 100, seed: 2 });
		expect([...r.order].sort()).toEqual(stops.map((s) => s.id).sort());
		expect(r.total_late_min).toBe(0);
	});

	it('bad input: a clear error, not a crash or a hang', () => {
		const bad = (req: Parameters<typeof solveRoute>[0], match: RegExp) => {
			let error: unknown;
			try {
				solveRoute(req, opts);
			} catch (e) {
				error = e;
			}
			expect(error).toBeInstanceOf(InvalidRouteError);
			expect((error as Error).message).toMatch(match);
		};
		bad({ start: START, start_time: T0, stops: [] }, /at least one stop/);
		bad({ start: START, start_time: T0, stops: [stop('a', 1, 1), stop('a', 2, 2)] }, /unique/);
		bad({ start: START, start_time: T0, stops: [{ ...stop('a', 1, 1), lat: Number.NaN }] }, /stops\.0\.lat/);
		bad({ start: START, start_time: T0, stops: [stop('a', 1, 1, { window: { start: at(60), end: at(30) } })] }, /end after it starts/);
		bad({ start: START, start_time: 'tomorrow', stops: [stop('a', 1, 1)] }, /start_time/);
		bad({ start: START, start_time: T0, stops: [stop('a', 1, 1, { locked_at: 3 })] }, /past the last stop/);
	});
});
