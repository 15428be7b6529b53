import { describe, expect, it } from 'vitest';
import { buildToday, nearbyOrders, NO_FILTER, serviceTypesOf } from '../../../src/lib/crew/today';
import type { OrderView } from '../../../src/lib/sync/order-view';
import { CREW_A } from '../domain/fixtures';
import { crewOrder } from '../sync/fixtures';

const DEPOT = { lat: 37.7749, long: -122.4194 };
const NOW = new Date('2024-05-01T12:00:00Z');

function view(id: string, metresNorth: number, overrides: Parameters<typeof crewOrder>[0] = {}): OrderView {
	const order = crewOrder({ service_request_id: id, lat: DEPOT.lat + metresNorth / 111_320, long: DEPOT.long, ...overrides });
	return { id, order, replicated: order, pending: [], rulesKnown: true };
}

describe('Today list', () => {
	const views = [
		view('far', 2000, { status: 'assigned' }),
		view('near', 100, { status: 'en_route' }),
		view('mid', 800, { status: 'on_site', expected_datetime: '2024-05-01T08:00:00Z' }),
		view('done', 50, { status: 'closed' }),
		view('away', 10, { status: 'assigned', crew: 'other-crew' })
	];

	it('shows the crew open orders nearest first, done ones apart, rerouted-away ones apart', () => {
		const t = buildToday(views, CREW_A, DEPOT, NO_FILTER, NOW);
		expect(t.open.map((i) => i.view.id)).toEqual(['near', 'mid', 'far']);
		expect(t.open[0]!.distance).toBeGreaterThan(90);
		expect(t.open[0]!.distance).toBeLessThan(110);
		expect(t.done.map((i) => i.view.id)).toEqual(['done']);
		expect(t.handedOff.map((i) => i.view.id)).toEqual(['away']);
		expect(t.hidden).toBe(0);
	});

	it('filters by status, overdue, service type and text, and counts what it hides', () => {
		const byStatus = buildToday(views, CREW_A, DEPOT, { ...NO_FILTER, status: 'en_route' }, NOW);
		expect(byStatus.open.map((i) => i.view.id)).toEqual(['near']);
		expect(byStatus.hidden).toBe(2);
		const overdue = buildToday(views, CREW_A, DEPOT, { ...NO_FILTER, overdueOnly: true }, NOW);
		expect(overdue.open.map((i) => i.view.id)).toEqual(['mid']);
		const text = buildToday(views, CREW_A, DEPOT, { ...NO_FILTER, query: '  FAR ' }, NOW);
		expect(text.open.map((i) => i.view.id)).toEqual(['far']);
		const type = buildToday(views, CREW_A, DEPOT, { ...NO_FILTER, serviceCode: 'no-such-type' }, NOW);
		expect(type.open).toEqual([]);
		expect(type.hidden).toBe(3);
	});

	it('lists service types once each for the filter', () => {
		const types = serviceTypesOf(views);
		expect(types).toHaveLength(1);
		expect(types[0]!.code).toBe(views[0]!.order.service_code);
	});

	it('nearby orders for a duplicate: within the radius, not the order itself', () => {
		const near = nearbyOrders(views, views[1]!, 300);
		expect(near.map((i) => i.view.id).sort()).toEqual(['away', 'done']);
		expect(nearbyOrders(views, views[0]!, 300)).toEqual([]);
	});
});
