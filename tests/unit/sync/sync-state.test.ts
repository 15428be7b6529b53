import { describe, expect, it } from 'vitest';
import type { LocalSnapshot } from '../../../src/lib/sync/local-db';
import { CrewData, SyncState } from '../../../src/lib/sync/sync-state.svelte';
import { deriveStatus, initialSyncModel, reduceSync, type SyncStatus } from '../../../src/lib/sync/state';
import { close, context } from '../domain/fixtures';
import { crewOrder } from './fixtures';

/** A stand-in for a running sync: the test pushes values through it. */
function fakeHandle() {
	const status = new Set<(s: SyncStatus) => void>();
	const local = new Set<(s: LocalSnapshot) => void>();
	return {
		subscribe: (l: (s: SyncStatus) => void) => (status.add(l), () => status.delete(l)),
		subscribeLocal: (l: (s: LocalSnapshot) => void) => (local.add(l), () => local.delete(l)),
		emit: (s: SyncStatus) => status.forEach((l) => l(s)),
		emitLocal: (s: LocalSnapshot) => local.forEach((l) => l(s)),
		listeners: () => status.size + local.size
	};
}

describe('rune state classes', () => {
	it('SyncState mirrors every status field and lets go on disconnect', () => {
		const handle = fakeHandle();
		const state = new SyncState();
		state.connect(handle);
		const model = reduceSync(reduceSync(initialSyncModel(false), { type: 'started' }), { type: 'outbox', queuedActions: 2, pendingActions: 3 });
		handle.emit(deriveStatus(model));
		expect({ phase: state.phase, online: state.online, queued: state.queuedActions, pending: state.pendingActions }).toEqual({
			phase: 'offline',
			online: false,
			queued: 2,
			pending: 3
		});
		state.disconnect();
		expect(handle.listeners()).toBe(0);
	});

	it('CrewData folds with the replicated catalog\'s rules once it has arrived', () => {
		const handle = fakeHandle();
		const data = new CrewData(() => null);
		data.connect(handle);
		const order = crewOrder();
		const catalog = {
			_id: 'catalog:rules' as const,
			type: 'catalog' as const,
			service_types: [
				{ service_code: order.service_code, service_name: 'X', requires_after_photo: true, resolution_codes: [{ code: 'repaired', label: 'Repaired', work_done: true }], service_minutes: 15 }
			],
			crews: [],
			departments: [],
			updated_at: '2024-05-01T08:00:00Z'
		};
		// A close without the after photo the catalog demands: with the rules known it does not show as closed.
		handle.emitLocal({ orders: [order], actions: [close('repaired', { n: 2 })], onServer: new Set(), invalid: [], catalog });
		expect(data.orders[0]!.rulesKnown).toBe(true);
		expect(data.orders[0]!.order.status).not.toBe('closed');
		data.disconnect();
	});

	it('CrewData derives the orders and the outbox, and folds again when the rules change', () => {
		const handle = fakeHandle();
		const data = new CrewData(() => null);
		data.connect(handle);
		const closing = close('repaired', { n: 1 });
		handle.emitLocal({ orders: [crewOrder()], actions: [closing], onServer: new Set(), invalid: [], catalog: null });
		expect(data.loaded).toBe(true);
		expect(data.orders[0]!.rulesKnown).toBe(false);
		expect(data.orders[0]!.order.status).toBe('closed');
		expect(data.outbox.map((e) => e.status)).toEqual(['queued']);
		data.setRules(() => context());
		expect(data.orders[0]!.rulesKnown).toBe(true);
		data.disconnect();
		expect(handle.listeners()).toBe(0);
	});
});
