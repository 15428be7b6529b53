/**
 * The board's orders in memory (board-index.ts): what the board's snapshot holds and the order events its live
 * feed sends, from the same stream of order documents the orders feed hands every read model.
 */
import { describe, expect, it } from 'vitest';
import type { BoardOrder, WorkOrder } from '../../../src/lib/domain';
import { BoardIndex } from '../../../src/lib/server/board-index';
import { workOrder } from '../domain/fixtures';

const NOW = Date.parse('2026-11-23T18:00:00Z');
const HOUR = 60 * 60 * 1000;
const doc = (o: WorkOrder) => o as unknown as Record<string, unknown>;
const ids = (orders: BoardOrder[]) => orders.map((o) => o.service_request_id).sort();

describe('board index', () => {
	it('keeps open orders and those closed within the window; drops the rest without an event when nobody listens', () => {
		const index = new BoardIndex(() => NOW);
		index.apply(doc(workOrder({ _id: 'order:1', service_request_id: '1', status: 'assigned' })), 'order:1', false);
		index.apply(
			doc(workOrder({ _id: 'order:2', service_request_id: '2', status: 'closed', closed_datetime: new Date(NOW - 2 * HOUR).toISOString() })),
			'order:2',
			false
		);
		index.apply(
			doc(workOrder({ _id: 'order:3', service_request_id: '3', status: 'closed', closed_datetime: new Date(NOW - 90 * HOUR).toISOString() })),
			'order:3',
			false
		);
		expect(ids(index.snapshot(NOW - 24 * HOUR))).toEqual(['1', '2']);
		// A narrower window leaves the recently closed one out, as the store query did.
		expect(ids(index.snapshot(NOW - HOUR))).toEqual(['1']);
	});

	it('a change moves an order in or out; a deletion or an invalid document takes it out', () => {
		const index = new BoardIndex(() => NOW);
		const open = workOrder({ _id: 'order:1', service_request_id: '1', status: 'assigned' });
		index.apply(doc(open), 'order:1', false);
		index.apply(doc({ ...open, status: 'closed', closed_datetime: new Date(NOW - 200 * HOUR).toISOString() }), 'order:1', false);
		expect(index.snapshot(NOW - 24 * HOUR)).toEqual([]);
		index.apply(doc(open), 'order:1', false);
		expect(ids(index.snapshot(NOW - 24 * HOUR))).toEqual(['1']);
		index.apply(null, 'order:1', true);
		expect(index.snapshot(NOW - 24 * HOUR)).toEqual([]);
		index.apply(doc(open), 'order:1', false);
		index.apply({ ...doc(open), lat: 'north' }, 'order:1', false);
		expect(index.snapshot(NOW - 24 * HOUR)).toEqual([]);
	});

	it('sends every order change to its listeners until they leave — closed old ones too, as the store feed did', () => {
		const index = new BoardIndex(() => NOW);
		const seen: string[] = [];
		const leave = index.subscribe((o) => seen.push(`${o.service_request_id}:${o.status}`));
		index.apply(doc(workOrder({ _id: 'order:1', service_request_id: '1', status: 'assigned' })), 'order:1', false);
		index.apply(
			doc(workOrder({ _id: 'order:9', service_request_id: '9', status: 'closed', closed_datetime: new Date(NOW - 90 * HOUR).toISOString() })),
			'order:9',
			false
		);
		leave();
		index.apply(doc(workOrder({ _id: 'order:2', service_request_id: '2', status: 'new' })), 'order:2', false);
		expect(seen).toEqual(['1:assigned', '9:closed']);
		expect(ids(index.snapshot(NOW - 24 * HOUR))).toEqual(['1', '2']);
	});
});
