/**
 * Two local PouchDBs (LevelDB in a temp directory) stand in for the tablet and the server's crew database:
 * record actions offline, replicate, let the "server" apply them with the shared reducer (as the runner and
 * projector will), replicate back, and reload the tablet's database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, fieldActionSchema, type ReduceContext } from '../../../src/lib/domain';
import { startSync, type SyncHandle } from '../../../src/lib/sync/engine';
import { crewOrderSchema, ON_SERVER_DOC_ID, openLocalDb, type LocalDb, type LocalSnapshot, type PouchStatic } from '../../../src/lib/sync/local-db';
import { buildOrderViews, outboxOf, type ContextFor, type OutboxStatus } from '../../../src/lib/sync/order-view';
import { recordAction } from '../../../src/lib/sync/record-action';
import { context, ORDER_ID, OTHER_ORDER_ID, RESOLUTION_CODES } from '../domain/fixtures';
import { CREW_USER, crewOrder, JPEG_BYTES, tempPouch, testNetwork, waitForSnapshot, waitForStatus } from './fixtures';

const TABLET = 'fw-crew-crew-a@alice';
const SERVER = 'crew-crew-a';

/** The server knows the service type's real codes. */
const serverCtx: ReduceContext = context();
const RETIRED_CODE = { code: 'temporary_fix', label: 'Temporary fix' };
/** The tablet's catalog is out of date: it still offers a code the city has since retired. */
const tabletCtx: ReduceContext = context({
	serviceType: { resolution_codes: [...RESOLUTION_CODES, RETIRED_CODE], requires_after_photo: false }
});
const tabletRules: ContextFor = () => tabletCtx;

/** What the reducer runner + projector do: apply each new action to the order, bump its source revision. */
async function serverApplies(server: LocalDb): Promise<number> {
	let applied = 0;
	const rows = (await server.allDocs({ startkey: 'action:', endkey: 'action:\ufff0', include_docs: true })).rows;
	for (const row of rows) {
		const action = fieldActionSchema.parse(row.doc);
		if (action.order_id === null) continue; // position: updates the crew document, not the crew database
		const stored = await server.get(`order:${action.order_id}`);
		const order = crewOrderSchema.parse(stored);
		const result = apply(order, action, serverCtx);
		if (result.outcome === 'duplicate') continue;
		const generation = Number(order.source_rev?.split('-')[0] ?? 0) + 1;
		await server.put({ ...result.order, _id: stored._id, _rev: stored._rev, source_rev: `${generation}-master` });
		applied++;
	}
	return applied;
}

const statuses = (s: LocalSnapshot): Record<string, OutboxStatus> => Object.fromEntries(outboxOf(s).map((e) => [`${e.action}:${e.orderId ?? '-'}`, e.status]));
const viewOf = (s: LocalSnapshot, id: string) => buildOrderViews(s.orders, s.actions, s.onServer, tabletRules).find((v) => v.id === id);

describe('tablet ⇄ server replication (two local PouchDBs)', () => {
	let PouchDB: PouchStatic;
	let cleanup: () => Promise<void>;
	let server: LocalDb;
	const network = testNetwork(true);
	let sync: SyncHandle;

	const start = () => startSync({ PouchDB, name: TABLET, remoteUrl: SERVER, network });
	async function reload(): Promise<void> {
		await sync.stop();
		sync = start();
		await sync.ready;
	}

	beforeAll(async () => {
		({ PouchDB, cleanup } = await tempPouch());
		server = openLocalDb(PouchDB, SERVER);
		await server.bulkDocs([
			crewOrder(),
			crewOrder({ _id: `order:${OTHER_ORDER_ID}`, service_request_id: OTHER_ORDER_ID, _rev: undefined })
		].map(({ _rev: _omit, ...doc }) => doc));
		sync = start();
	});
	afterAll(async () => {
		await sync.stop();
		await server.close();
		await cleanup();
	});

	it('the first sync downloads the crew\'s orders ("initial", then "idle")', async () => {
		expect(['initial', 'active']).toContain(sync.status.phase);
		const idle = await waitForStatus(sync, (s) => s.phase === 'idle', 'the initial sync');
		expect(idle.lastSyncedAt).not.toBeNull();
		const snap = await waitForSnapshot(sync, (s) => s.orders.length === 2, 'the two orders');
		expect(snap.orders.map((o) => o.service_request_id).sort()).toEqual([ORDER_ID, OTHER_ORDER_ID]);
	});

	it('offline: actions are recorded, queued, and folded into the orders at once', async () => {
		network.set(false);
		expect(sync.status.phase).toBe('offline');
		const order = sync.snapshot!.orders.find((o) => o.service_request_id === ORDER_ID)!;
		const other = sync.snapshot!.orders.find((o) => o.service_request_id === OTHER_ORDER_ID)!;
		await recordAction(sync.db, { user: CREW_USER, order, action: 'close', payload: { resolution_code: 'repaired' } });
		await recordAction(sync.db, {
			user: CREW_USER,
			order: other,
			action: 'photo',
			payload: { attachment: 'before.jpg', kind: 'before' },
			attachments: { 'before.jpg': { content_type: 'image/jpeg', data: JPEG_BYTES } }
		});
		await recordAction(sync.db, { user: CREW_USER, order: other, action: 'close', payload: { resolution_code: 'temporary_fix' } });
		await recordAction(sync.db, { user: CREW_USER, order: null, action: 'position', payload: { lat: 37.79, long: -122.39 } });

		const snap = await waitForSnapshot(sync, (s) => s.actions.length === 4, 'four local actions');
		expect(Object.values(statuses(snap))).toEqual(['queued', 'queued', 'queued', 'queued']);
		expect(viewOf(snap, ORDER_ID)?.order.status).toBe('closed');
		expect(viewOf(snap, OTHER_ORDER_ID)?.order.status).toBe('closed'); // the tablet does not know the code is retired
		expect(sync.status).toMatchObject({ phase: 'offline', queuedActions: 4, pendingActions: 4 });
		expect((await server.allDocs({ startkey: 'action:', endkey: 'action:\ufff0' })).rows).toEqual([]);
	});

	it('a reload while offline keeps the pending actions and the closed order', async () => {
		await reload();
		const snap = sync.snapshot!;
		expect(snap.actions).toHaveLength(4);
		expect(viewOf(snap, ORDER_ID)?.order.status).toBe('closed');
		expect(viewOf(snap, ORDER_ID)?.pending.map((p) => p.status)).toEqual(['queued']);
		expect(sync.status).toMatchObject({ phase: 'offline', queuedActions: 4 });
		expect(sync.status.lastSyncedAt).not.toBeNull(); // persisted
	});

	it('back online: everything is pushed (with the photo) and shows as sent', async () => {
		network.set(true);
		const snap = await waitForSnapshot(sync, (s) => s.onServer.size === 4, 'all four actions on the server');
		expect(Object.values(statuses(snap))).toEqual(['sent', 'sent', 'sent', 'sent']);
		await waitForStatus(sync, (s) => s.phase === 'idle' && s.queuedActions === 0, 'the push');
		expect(sync.status.pendingActions).toBe(3); // the position is done once sent
		const photoDoc = (await server.allDocs({ startkey: 'action:', endkey: 'action:\ufff0', include_docs: true })).rows
			.map((r) => fieldActionSchema.parse(r.doc))
			.find((a) => a.action === 'photo')!;
		const bytes = await server.getAttachment(photoDoc._id, 'before.jpg');
		expect(new Uint8Array(bytes as Buffer)).toEqual(JPEG_BYTES);
	});

	it('the server applies them; replicated back, pending becomes applied or conflict', async () => {
		expect(await serverApplies(server)).toBe(3);
		const snap = await waitForSnapshot(
			sync,
			(s) => s.orders.every((o) => o.applied_action_ids.length > 0) && s.orders.find((o) => o.service_request_id === OTHER_ORDER_ID)!.applied_action_ids.length === 2,
			'the applied orders'
		);
		expect(statuses(snap)).toEqual({
			[`close:${ORDER_ID}`]: 'applied',
			[`photo:${OTHER_ORDER_ID}`]: 'applied',
			[`close:${OTHER_ORDER_ID}`]: 'conflict',
			'position:-': 'sent'
		});
		const closed = viewOf(snap, ORDER_ID)!;
		expect(closed.pending).toEqual([]);
		expect(closed.order.status).toBe('closed');
		expect(closed.order.source_rev).toBe('4-master');
		// The server refused the retired code: the order is open again on the tablet, nothing pending.
		const refused = viewOf(snap, OTHER_ORDER_ID)!;
		expect(refused.pending).toEqual([]);
		expect(refused.order.status).toBe('assigned');
		await waitForStatus(sync, (s) => s.pendingActions === 0 && s.queuedActions === 0, 'nothing pending');
	});

	it('a reload keeps every status, the "sent" position included', async () => {
		await reload();
		expect(statuses(sync.snapshot!)).toMatchObject({ 'position:-': 'sent', [`close:${OTHER_ORDER_ID}`]: 'conflict' });
		await waitForStatus(sync, (s) => s.phase === 'idle', 'idle after reload');
	});

	it('if the "on server" record is lost (a crash right after a push), the server is asked again', async () => {
		await sync.stop();
		const tablet = openLocalDb(PouchDB, TABLET);
		const record = await tablet.get(ON_SERVER_DOC_ID);
		await tablet.remove(record);
		await tablet.close();
		network.set(false);
		sync = start();
		await sync.ready;
		expect(statuses(sync.snapshot!)['position:-']).toBe('queued');
		network.set(true);
		const snap = await waitForSnapshot(sync, (s) => statuses(s)['position:-'] === 'sent', 'the position counted as sent again');
		// Only the position needed asking: the others are applied, which the orders say.
		expect(snap.onServer.size).toBe(1);
	});

	it('stop() leaves nothing running', async () => {
		await sync.stop();
		expect(sync.status.phase).toBe('stopped');
		await sync.stop(); // idempotent
	});
});
