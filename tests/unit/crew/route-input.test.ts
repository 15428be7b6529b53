import { describe, expect, it } from 'vitest';
import { buildToday, NO_FILTER } from '../../../src/lib/crew/today';
import { EMPTY_MEMORY, moveStop, parseMemory, routeInput, unlockStop } from '../../../src/lib/crew/route-input';
import { planRoute } from '../../../src/lib/routing/plan';
import { solveRoute } from '../../../src/lib/routing/route';
import type { OrderView } from '../../../src/lib/sync/order-view';
import { CREW_A } from '../domain/fixtures';
import { crewOrder } from '../sync/fixtures';

const DEPOT = { lat: 37.7749, long: -122.4194, name: 'Yard' };
const NOW = new Date('2024-05-01T16:00:00Z');

function view(id: string, metresNorth: number, overrides: Parameters<typeof crewOrder>[0] = {}): OrderView {
	const order = crewOrder({ service_request_id: id, lat: DEPOT.lat + metresNorth / 111_320, long: DEPOT.long, status: 'assigned', expected_datetime: null, ...overrides });
	return { id, order, replicated: order, pending: [], rulesKnown: true };
}

describe('route input', () => {
	const views = [view('c', 3000), view('a', 1000), view('b', 2000), view('done', 500, { status: 'closed', closed_datetime: '2024-05-01T15:30:00Z' }), view('theirs', 10, { crew: 'other' })];

	it('plans the crew open stops from where it last closed, all free on a first solve', () => {
		const input = routeInput(views, CREW_A, DEPOT, null, EMPTY_MEMORY, NOW)!;
		expect(input.mode).toBe('solve');
		expect(input.request.stops.map((s) => s.id).sort()).toEqual(['a', 'b', 'c']);
		expect(input.request.stops.every((s) => s.locked_at === undefined)).toBe(true);
		expect(input.startLabel).toBe('#done (last closed)');
		expect(input.request.start.lat).toBeCloseTo(DEPOT.lat + 500 / 111_320, 6);
		expect(solveRoute(input.request).order).toEqual(['a', 'b', 'c']);
	});

	it('keeps the order (evaluates) when no stop is new, and solves again when one arrives', () => {
		const memory = { order: ['c', 'a', 'b'], locked: [] };
		const evaluate = routeInput(views, CREW_A, DEPOT, null, memory, NOW)!;
		expect(evaluate.mode).toBe('evaluate');
		expect(solveRoute(evaluate.request).order).toEqual(['c', 'a', 'b']);
		const withNew = routeInput([...views, view('d', 4000)], CREW_A, DEPOT, null, memory, NOW)!;
		expect(withNew.mode).toBe('solve');
		expect(solveRoute(withNew.request).order).toEqual(['a', 'b', 'c', 'd']);
	});

	it('puts the stop the crew is at first and starts there; stops the crew placed stay placed', () => {
		const atB = views.map((v) => (v.id === 'b' ? view('b', 2000, { status: 'on_site' }) : v));
		const input = routeInput(atB, CREW_A, DEPOT, null, { order: ['a', 'c', 'b'], locked: ['c'] }, NOW, 'solve')!;
		expect(input.startLabel).toBe('#b (on site)');
		const byId = new Map(input.request.stops.map((s) => [s.id, s]));
		expect(byId.get('b')!.locked_at).toBe(0);
		expect(byId.get('c')!.locked_at).toBe(2); // after b moved to the front: [b, a, c]
		expect(byId.get('a')!.locked_at).toBeUndefined();
		expect(solveRoute(input.request).order).toEqual(['b', 'a', 'c']);
	});

	it('uses the service minutes of the type and turns a deadline within the day into a time window', () => {
		const catalog = {
			_id: 'catalog:rules' as const,
			type: 'catalog' as const,
			service_types: [{ service_code: views[0]!.order.service_code, service_name: 'X', requires_after_photo: false, resolution_codes: [], service_minutes: 42 }],
			crews: [],
			departments: [],
			updated_at: NOW.toISOString()
		};
		const soon = view('soon', 5000, { expected_datetime: '2024-05-01T16:45:00Z' });
		const later = view('later', 100, { expected_datetime: '2024-05-09T16:00:00Z' });
		const input = routeInput([soon, later], CREW_A, DEPOT, catalog, EMPTY_MEMORY, NOW)!;
		const byId = new Map(input.request.stops.map((s) => [s.id, s]));
		expect(byId.get('soon')!.service_min).toBe(42);
		expect(byId.get('soon')!.window).toEqual({ start: NOW.toISOString(), end: '2024-05-01T16:45:00.000Z' });
		expect(byId.get('later')!.window).toBeUndefined();
		// The far stop with a deadline in 45 minutes goes first although the other is next door.
		expect(solveRoute(input.request).order).toEqual(['soon', 'later']);
	});

	it('moves and locks a stop, unlocks it, and survives damaged memory', () => {
		const moved = moveStop({ order: ['a', 'b', 'c', 'd'], locked: [] }, 'd', 1);
		expect(moved).toEqual({ order: ['a', 'd', 'b', 'c'], locked: ['d'] });
		expect(moveStop(moved, 'a', 99).order).toEqual(['d', 'b', 'c', 'a']);
		expect(unlockStop(moved, 'd').locked).toEqual([]);
		expect(parseMemory('{not json')).toEqual(EMPTY_MEMORY);
		expect(parseMemory(JSON.stringify({ order: ['a', 3, null], locked: 'x' }))).toEqual({ order: ['a'], locked: [] });
		expect(routeInput([views[3]!], CREW_A, DEPOT, null, EMPTY_MEMORY, NOW)).toBeNull(); // nothing open
	});

	it('Today follows the route, with orders the route does not know yet after it', () => {
		const t = buildToday([...views, view('new', 10)], CREW_A, DEPOT, NO_FILTER, NOW, new Map([['c', 0], ['a', 1], ['b', 2]]));
		expect(t.open.map((i) => i.view.id)).toEqual(['c', 'a', 'b', 'new']);
	});
});

describe('route plan', () => {
	it('without a street graph: straight-line estimates, a line through the stops in order, bad input refused with reasons', async () => {
		const input = routeInput(views3(), CREW_A, DEPOT, null, EMPTY_MEMORY, NOW)!;
		const plan = await planRoute(input.request, null);
		expect(plan.roads).toBe(false);
		expect(plan.road_legs).toBe(0);
		expect(plan.line).toHaveLength(4);
		expect(plan.order).toEqual(['a', 'b', 'c']);
		await expect(planRoute({ ...input.request, stops: [] }, null)).rejects.toThrow(/at least one stop/);
		await expect(planRoute({ ...input.request, start: { lat: Number.NaN, long: 0 } }, null)).rejects.toThrow(/start/);
	});

	it('stops at once when cancelled, with an order of every stop', async () => {
		const many = Array.from({ length: 60 }, (_, k) => view(`s${k}`, ((k * 7919) % 5000) - 2500, { long: DEPOT.long + (((k * 104729) % 3000) - 1500) / 88_000 }));
		const input = routeInput(many, CREW_A, DEPOT, null, EMPTY_MEMORY, NOW)!;
		const controller = new AbortController();
		const started = performance.now();
		const run = planRoute(input.request, null, { signal: controller.signal, timeBudgetMs: 10_000 });
		setTimeout(() => controller.abort(), 30);
		const plan = await run;
		expect(performance.now() - started).toBeLessThan(5_000); // far below the 10 s budget: the cancel was heard
		expect(plan.order.slice().sort()).toEqual(many.map((v) => v.id).sort());
	});
});

function views3(): OrderView[] {
	return [view('c', 3000), view('a', 1000), view('b', 2000)];
}
