import { describe, expect, it } from 'vitest';
import { NO_BOARD_FILTER, colourFor, countActiveFilters, insideBox, matchesFilter, openByCrew, type BoardFilter } from '../../../src/lib/board/filters';
import type { BoardOrder } from '../../../src/lib/domain';
import { STATUS_COLOUR } from '../../../src/lib/map/stops';

const NOW = Date.parse('2026-11-23T18:00:00Z');
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();

function order(id: string, over: Partial<BoardOrder> = {}): BoardOrder {
	return {
		service_request_id: id,
		service_code: 'graffiti',
		service_name: 'Graffiti',
		description: 'Tag on a wall',
		address: '1 Market St',
		lat: 37.79,
		long: -122.39,
		status: 'new',
		priority: 'normal',
		crew: null,
		department: 'dpw',
		neighborhood: 'Financial District',
		supervisor_district: '3',
		requested_datetime: hoursAgo(2),
		updated_datetime: hoursAgo(2),
		expected_datetime: null,
		closed_datetime: null,
		duplicate_of: null,
		_rev: '1-a',
		...over
	};
}
const f = (over: Partial<BoardFilter>): BoardFilter => ({ ...NO_BOARD_FILTER, ...over });
const ids = (orders: BoardOrder[], filter: BoardFilter) => orders.filter((o) => matchesFilter(o, filter, NOW)).map((o) => o.service_request_id);

const ORDERS = [
	order('queue'),
	order('held', { status: 'assigned', crew: 'crew-a' }),
	order('other', { status: 'on_site', crew: 'crew-b', department: 'sfmta', service_code: 'sign', neighborhood: 'SoMa', supervisor_district: '6' }),
	order('done', { status: 'closed', crew: 'crew-a', closed_datetime: hoursAgo(1) }),
	order('old', { requested_datetime: hoursAgo(100), expected_datetime: hoursAgo(20) })
];

describe('board filters', () => {
	it('shows open work by default; closed orders only when asked for', () => {
		expect(ids(ORDERS, NO_BOARD_FILTER)).toEqual(['queue', 'held', 'other', 'old']);
		expect(ids(ORDERS, f({ assignment: 'closed' }))).toEqual(['done']);
		expect(ids(ORDERS, f({ status: 'closed' }))).toEqual(['done']);
	});

	it('by assignment: the queue, held by any crew, one crew\'s open work', () => {
		expect(ids(ORDERS, f({ assignment: 'unassigned' }))).toEqual(['queue', 'old']);
		expect(ids(ORDERS, f({ assignment: 'assigned' }))).toEqual(['held', 'other']);
		expect(ids(ORDERS, f({ assignment: 'crew:crew-a' }))).toEqual(['held']);
	});

	it('by type, department, neighborhood, district, age, SLA and search; the filters add up', () => {
		expect(ids(ORDERS, f({ serviceCode: 'sign' }))).toEqual(['other']);
		expect(ids(ORDERS, f({ department: 'dpw' }))).toEqual(['queue', 'held', 'old']);
		expect(ids(ORDERS, f({ neighborhood: 'SoMa' }))).toEqual(['other']);
		expect(ids(ORDERS, f({ district: '3', assignment: 'unassigned' }))).toEqual(['queue', 'old']);
		expect(ids(ORDERS, f({ minAgeHours: 72 }))).toEqual(['old']);
		expect(ids(ORDERS, f({ slaBreached: true }))).toEqual(['old']);
		expect(ids(ORDERS, f({ search: 'CREW-B' }))).toEqual(['other']);
		expect(ids(ORDERS, f({ search: 'held' }))).toEqual(['held']);
		expect(countActiveFilters(f({ search: 'x', slaBreached: true }))).toBe(2);
	});

	it('colours by status, age band or SLA', () => {
		expect(colourFor(ORDERS[1]!, 'status', NOW)).toBe(STATUS_COLOUR.assigned);
		expect(colourFor(ORDERS[0]!, 'age', NOW)).not.toBe(colourFor(ORDERS[4]!, 'age', NOW));
		expect(colourFor(ORDERS[4]!, 'sla', NOW)).not.toBe(colourFor(order('fine', { expected_datetime: hoursAgo(-5) }), 'sla', NOW));
	});

	it('box select takes the orders inside [west, south, east, north], edges included', () => {
		const a = order('a', { lat: 37.78, long: -122.41 });
		const b = order('b', { lat: 37.8, long: -122.4 });
		const c = order('c', { lat: 37.78, long: -122.45 });
		expect(insideBox([a, b, c], [-122.42, 37.77, -122.4, 37.8])).toEqual(['a', 'b']);
	});

	it('open work per crew leaves out the queue and closed orders', () => {
		const byCrew = openByCrew(ORDERS);
		expect([...byCrew.keys()].sort()).toEqual(['crew-a', 'crew-b']);
		expect(byCrew.get('crew-a')!.map((o) => o.service_request_id)).toEqual(['held']);
	});
});
