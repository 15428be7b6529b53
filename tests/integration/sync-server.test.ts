/**
 * The server side of sync against the built app and its store over HTTP: the projector keeps per-crew
 * databases, the reducer runner applies actions exactly once (also with two app servers), conflicts reach
 * the supervisors' inbox and are resolved. Action documents are written straight into a crew database
 * here, as the gateway does after its checks (the gateway has its own tests).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conflict, Crew, FieldAction, WorkOrder } from '../../src/lib/domain';
import { crewDbName } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { policyFromDays, sweep } from '../../src/lib/server/sync/projector';
import { applyActionTo, contextOptionsFor, processAction, recoverLoggedAction, reduceContext } from '../../src/lib/server/sync/runner';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf, storeUrlOf } from '../helpers/store';
import { tinyJpeg } from '../helpers/sync-fixtures';

let app: RunningApp;
let store: CouchClient;
let supervisor: Session;

beforeAll(async () => {
	app = await startApp();
	store = await storeOf(app.dataDir);
	supervisor = new Session(app.url);
	expect((await supervisor.login('supervisor', DEMO_PASSWORD)).status).toBe(200);
});
afterAll(async () => {
	// Two servers sharing checkpoints and racing on orders is normal operation, not an error.
	expect(app.logs()).not.toMatch(/\[(projector|runner)\][^\n]*(failed|stopped)/);
	await app?.stop();
});

async function masterOrders(selector: Record<string, unknown>): Promise<WorkOrder[]> {
	return (await store.db('orders').find<WorkOrder>({ selector: { type: 'work_order', ...selector }, limit: 10_000 })).docs;
}
async function crewCopies(crew: string): Promise<(WorkOrder & { source_rev: string })[]> {
	const res = await store.db(crewDbName(crew)).allDocs<WorkOrder & { source_rev: string }>({
		startkey: 'order:',
		endkey: 'order:\ufff0',
		include_docs: true
	});
	return res.rows.map((r) => r.doc!);
}
const ids = (orders: { service_request_id: string }[]) => orders.map((o) => o.service_request_id).sort();

function action(crew: string, author: string, orderId: string | null, type: FieldAction['action'], payload: object, deviceTime = new Date()) {
	const id = randomUUID();
	return {
		_id: `action:${id}`,
		type: 'field_action',
		id,
		action: type,
		order_id: orderId,
		crew,
		author,
		device_time: deviceTime.toISOString(),
		base_rev: null,
		payload
	};
}

async function getOrder(id: string): Promise<WorkOrder> {
	return store.db('orders').get<WorkOrder>(`order:${id}`);
}

describe('projector', () => {
	it('each crew database holds exactly its crew\'s orders, without reporter data, with the master revision', async () => {
		for (const crew of ['dpw-cleaning-1', 'dpw-graffiti-1', 'sfmta-signs-1']) {
			const expected = await masterOrders({ crew });
			const copies = await eventually(async () => {
				const c = await crewCopies(crew);
				return c.length === expected.length ? c : undefined;
			});
			expect(ids(copies)).toEqual(ids(expected));
			for (const copy of copies) {
				expect(copy).not.toHaveProperty('reporter');
				const master = expected.find((o) => o._id === copy._id)!;
				expect(copy.source_rev).toBe(master._rev);
			}
		}
	});

	it('reassignment removes the order from the old crew\'s database and writes it to the new one within a second or two', async () => {
		const [order] = await masterOrders({ crew: 'dpw-cleaning-2' });
		expect(order).toBeDefined();
		const res = await supervisor.request('POST', `/api/orders/${order!.service_request_id}/actions`, {
			action: 'assign',
			payload: { crew: 'dpw-cleaning-1' }
		});
		expect(res.status).toBe(200);
		expect(await res.json()).toMatchObject({ outcome: 'applied', order: { crew: 'dpw-cleaning-1', status: 'assigned' } });
		await eventually(async () => ((await store.db(crewDbName('dpw-cleaning-2')).getOrNull(order!._id)) === null ? true : undefined), 2000);
		const moved = await eventually(() => store.db(crewDbName('dpw-cleaning-1')).getOrNull<WorkOrder>(order!._id).then((d) => d ?? undefined), 2000);
		expect(moved.crew).toBe('dpw-cleaning-1');
		expect(moved.history.at(-1)).toMatchObject({ action: 'assign', by: 'supervisor' });
	});

	it('unassigning removes the order from the crew database', async () => {
		const [order] = await masterOrders({ crew: 'sfmta-signs-1' });
		const res = await supervisor.request('POST', `/api/orders/${order!.service_request_id}/actions`, {
			action: 'unassign',
			payload: { reason: 'needs a permit first' }
		});
		expect(res.status).toBe(200);
		await eventually(async () => ((await store.db(crewDbName('sfmta-signs-1')).getOrNull(order!._id)) === null ? true : undefined), 2000);
		expect((await getOrder(order!.service_request_id)).status).toBe('new');
	});

	it('dispatch refuses bad input with 400 and unknown orders with 404, and crews with 403', async () => {
		const [order] = await masterOrders({ crew: 'dpw-graffiti-1' });
		const path = `/api/orders/${order!.service_request_id}/actions`;
		expect((await supervisor.request('POST', path, { action: 'assign', payload: {} })).status).toBe(400);
		expect((await supervisor.request('POST', path, { action: 'close', payload: { resolution_code: 'completed' } })).status).toBe(400);
		expect((await supervisor.request('POST', path, 'not json', { 'content-type': 'application/json' })).status).toBe(400);
		expect((await supervisor.request('POST', '/api/orders/does-not-exist/actions', { action: 'set_priority', payload: { priority: 'high' } })).status).toBe(404);
		// A supervisor's mistake is answered at once and never lands in the conflict inbox.
		const unknownCrew = await supervisor.request('POST', path, { action: 'assign', payload: { crew: 'no-such-crew' } });
		expect(unknownCrew.status).toBe(400);
		expect(((await unknownCrew.json()) as { reason: string }).reason).toMatch(/unknown crew/);
		const crew = new Session(app.url);
		await crew.login('eli', DEMO_PASSWORD);
		expect((await crew.request('POST', path, { action: 'set_priority', payload: { priority: 'high' } })).status).toBe(403);
		expect((await getOrder(order!.service_request_id)).priority).toBe(order!.priority);
	});
});

describe('reducer runner', () => {
	it('applying on an order the caller read (dispatch): a stale read is a revision conflict, re-read and applied; the answer is the stored order', async () => {
		const [order] = await masterOrders({ crew: 'dpw-streets-1', status: 'assigned' });
		const id = order!.service_request_id;
		const known = await getOrder(id);
		// The order changes after the caller read it.
		const first = await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'set_priority', payload: { priority: 'high' } });
		expect(first.status).toBe(200);
		const note = { ...action('dpw-streets-1', 'supervisor', id, 'note', { text: 'Call the reporter first.', visibility: 'internal' }), crew: null } as FieldAction;
		const ctx = (code: string) => reduceContext(store, code, contextOptionsFor(note));
		const stale = await applyActionTo(store, note, () => new Date(), ctx, known);
		expect(stale.outcome).toBe('applied');
		const stored = await getOrder(id);
		expect(stale.order?._rev).toBe(stored._rev);
		expect(stored.priority).toBe('high'); // the other change is kept
		expect(stored.applied_action_ids).toContain(note.id);
		expect(stale.order).toEqual(stored);

		// On a current read: applied on it, the same answer as reading the order back.
		const again = { ...action('dpw-streets-1', 'supervisor', id, 'note', { text: 'Reporter called.', visibility: 'internal' }), crew: null } as FieldAction;
		const fresh = await applyActionTo(store, again, () => new Date(), ctx, stored);
		expect(fresh.outcome).toBe('applied');
		expect(fresh.order).toEqual(await getOrder(id));
		// The same action again is a duplicate, answered with the order as it is.
		expect(await applyActionTo(store, again, () => new Date(), ctx, fresh.order!)).toEqual({ outcome: 'duplicate', order: fresh.order });
	});

	it('applies an action from a crew database to the master order, and the crew\'s copy shows it', async () => {
		const [order] = await masterOrders({ crew: 'dpw-graffiti-1', status: 'assigned' });
		const doc = action('dpw-graffiti-1', 'eli', order!.service_request_id, 'en_route', {});
		await store.db(crewDbName('dpw-graffiti-1')).put(doc);
		const applied = await eventually(async () => {
			const o = await getOrder(order!.service_request_id);
			return o.applied_action_ids.includes(doc.id) ? o : undefined;
		}, 2000);
		expect(applied.status).toBe('en_route');
		expect(applied.history.at(-1)).toMatchObject({ action_id: doc.id, outcome: 'applied', by: 'eli' });
		const copy = await eventually(async () => {
			const c = await store.db(crewDbName('dpw-graffiti-1')).get<WorkOrder & { source_rev: string }>(order!._id);
			return c.applied_action_ids.includes(doc.id) ? c : undefined;
		}, 2000);
		expect(copy.status).toBe('en_route');
		// The action and its photos are kept in the action log.
		expect(await store.db('actions').getOrNull(doc._id)).not.toBeNull();
	});

	it('a photo action is applied with its photo; staff read the order and the photo over the API, nobody else', async () => {
		const [order] = await masterOrders({ crew: 'dpw-graffiti-1', status: 'assigned' });
		const id = order!.service_request_id;
		const doc = {
			...action('dpw-graffiti-1', 'eli', id, 'photo', { attachment: 'before.jpg', kind: 'before', lat: 37.78, long: -122.41 }),
			_attachments: { 'before.jpg': { content_type: 'image/jpeg', data: Buffer.from(tinyJpeg()).toString('base64') } }
		};
		await store.db(crewDbName('dpw-graffiti-1')).put(doc);
		const withPhoto = await eventually(async () => {
			const res = await supervisor.request('GET', `/api/orders/${id}`);
			const o = (await res.json()) as WorkOrder;
			return o.photos.some((p) => p.action_id === doc.id) ? o : undefined;
		}, 3000);
		expect(withPhoto.photos.find((p) => p.action_id === doc.id)).toMatchObject({ attachment: 'before.jpg', kind: 'before' });

		const photo = await supervisor.request('GET', `/api/orders/${id}/photos/${doc.id}/before.jpg`);
		expect(photo.status).toBe(200);
		expect(photo.headers.get('content-type')).toBe('image/jpeg');
		expect(new Uint8Array(await photo.arrayBuffer())).toEqual(tinyJpeg());

		// Unknown order, a photo the order does not refer to: 404 with a reason. A crew member: 403.
		const missing = await supervisor.request('GET', '/api/orders/no-such-order');
		expect(missing.status).toBe(404);
		expect(((await missing.json()) as { reason: string }).reason).toMatch(/no-such-order/);
		expect((await supervisor.request('GET', `/api/orders/${id}/photos/${doc.id}/other.jpg`)).status).toBe(404);
		expect((await supervisor.request('GET', `/api/orders/${id}/photos/${randomUUID()}/before.jpg`)).status).toBe(404);
		const crew = new Session(app.url);
		await crew.login('eli', DEMO_PASSWORD);
		expect((await crew.request('GET', `/api/orders/${id}`)).status).toBe(403);
		expect((await crew.request('GET', `/api/orders/${id}/photos/${doc.id}/before.jpg`)).status).toBe(403);
		expect((await new Session(app.url).request('GET', `/api/orders/${id}`)).status).toBe(401);
	});

	it('replaying the same action (even concurrently) applies it exactly once', async () => {
		const [order] = await masterOrders({ crew: 'dpw-streets-1', status: 'assigned' });
		const doc = action('dpw-streets-1', 'gus', order!.service_request_id, 'note', { text: 'cones placed', visibility: 'internal' });
		const outcomes = await Promise.all([1, 2, 3, 4].map(() => processAction(store, 'dpw-streets-1', doc)));
		expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
		expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(3);
		const o = await getOrder(order!.service_request_id);
		expect(o.applied_action_ids.filter((id) => id === doc.id)).toHaveLength(1);
		expect(o.history.filter((h) => h.action_id === doc.id)).toHaveLength(1);
	});

	it('a position action moves the crew\'s last known position', async () => {
		const doc = action('dpw-streets-1', 'hana', null, 'position', { lat: 37.7849, long: -122.4021, accuracy_m: 8 });
		await store.db(crewDbName('dpw-streets-1')).put(doc);
		const crew = await eventually(async () => {
			const c = await store.db('directory').get<Crew>('crew:dpw-streets-1');
			return c.last_position?.at === doc.device_time ? c : undefined;
		}, 2000);
		expect(crew.last_position).toMatchObject({ lat: 37.7849, long: -122.4021, accuracy_m: 8 });
	});

	it('a supervisor action logged by a request that died before applying it is applied by the log follower, once', async () => {
		// What a SIGKILL between dispatch's two writes leaves behind (found by npm run chaos): in the log, on no order.
		const [order] = await masterOrders({ crew: 'dpw-streets-1', status: 'assigned' });
		const logged = action('dpw-streets-1', 'supervisor', order!.service_request_id, 'set_priority', { priority: 'high' }, new Date(Date.now() - 60_000));
		const doc = { ...logged, crew: null };
		await store.db('actions').put(doc);
		const applied = await eventually(async () => {
			const o = await getOrder(order!.service_request_id);
			return o.applied_action_ids.includes(doc.id) ? o : undefined;
		}, 10_000);
		expect(applied.priority).toBe('high');
		expect(applied.history.filter((h) => h.action_id === doc.id)).toHaveLength(1);
		// Seen now: the follower (on any server, after any restart) leaves it alone.
		expect(await recoverLoggedAction(store, doc)).toBe('seen');
		expect(app.logs()).toContain(`set_priority ${doc.id} on ${order!.service_request_id} by supervisor was logged but not applied`);
	});

	it('two app servers on one store apply every action exactly once', async () => {
		const second = await startApp({ env: { COUCHDB_URL: await storeUrlOf(app.dataDir), SEED: 'none' } });
		try {
			const orders = await masterOrders({ crew: 'dpw-cleaning-1' });
			const docs = orders.flatMap((o, i) =>
				[0, 1, 2].map((k) => action('dpw-cleaning-1', k % 2 ? 'ben' : 'ana', o.service_request_id, 'note', { text: `note ${i}.${k}`, visibility: 'internal' }))
			);
			await store.db(crewDbName('dpw-cleaning-1')).bulkDocs(docs);
			for (const o of orders) {
				const mine = docs.filter((d) => d.order_id === o.service_request_id).map((d) => d.id);
				const done = await eventually(async () => {
					const m = await getOrder(o.service_request_id);
					return mine.every((id) => m.applied_action_ids.includes(id)) ? m : undefined;
				}, 5000);
				for (const id of mine) {
					expect(done.applied_action_ids.filter((x) => x === id)).toHaveLength(1);
					expect(done.history.filter((h) => h.action_id === id)).toHaveLength(1);
				}
			}
			expect(second.logs()).toContain('[runner] following 5 crew databases');
		} finally {
			await second.stop();
		}
	});
});

describe('conflicts', () => {
	it('an action from a crew that no longer held the order becomes a conflict; the supervisor dismisses it', async () => {
		const [order] = await masterOrders({ crew: 'dpw-graffiti-1', status: 'assigned' });
		const id = order!.service_request_id;
		// The supervisor reassigns; afterwards the old crew (offline, it had not synced) closes it.
		expect((await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: 'dpw-streets-1' } })).status).toBe(200);
		const late = action('dpw-graffiti-1', 'fatima', id, 'close', { resolution_code: 'completed', public_note: 'painted over' }, new Date(Date.now() + 1000));
		await store.db(crewDbName('dpw-graffiti-1')).put(late);

		const view = await eventually(async () => {
			const res = (await (await supervisor.request('GET', '/api/conflicts')).json()) as { conflicts: (Conflict & { field_action: { payload: unknown } | null; order_now: { crew: string } | null })[] };
			return res.conflicts.find((c) => c.action_id === late.id);
		}, 3000);
		expect(view).toMatchObject({ reason: 'not_assigned', crew: 'dpw-graffiti-1', author: 'fatima', action: 'close', state: 'open' });
		expect(view.order_at_arrival).toMatchObject({ crew: 'dpw-streets-1' });
		expect(view.order_now).toMatchObject({ crew: 'dpw-streets-1', status: 'assigned' });
		expect(view.field_action?.payload).toEqual({ resolution_code: 'completed', public_note: 'painted over' });
		const unchanged = await getOrder(id);
		expect(unchanged.status).toBe('assigned');
		expect(unchanged.history.find((h) => h.action_id === late.id)?.outcome).toBe('conflict');

		const path = `/api/conflicts/${view._id}/resolve`;
		expect((await supervisor.request('POST', path, { decision: 'maybe', reason: 'hmm' })).status).toBe(400);
		expect((await supervisor.request('POST', path, { decision: 'dismiss' })).status).toBe(400);
		const crewSession = new Session(app.url);
		await crewSession.login('fatima', DEMO_PASSWORD);
		expect((await crewSession.request('GET', '/api/conflicts')).status).toBe(403);
		expect((await crewSession.request('POST', path, { decision: 'accept', reason: 'it was me' })).status).toBe(403);

		const dismissed = await supervisor.request('POST', path, { decision: 'dismiss', reason: 'street repair crew will do it' });
		expect(dismissed.status).toBe(200);
		expect(await dismissed.json()).toMatchObject({ conflict: { state: 'dismissed', resolution: { by: 'supervisor', decision: 'dismissed' } } });
		const after = await getOrder(id);
		expect(after.status).toBe('assigned');
		expect(after.history.at(-1)).toMatchObject({ action: 'conflict_resolution', by: 'supervisor' });
		expect((await supervisor.request('POST', path, { decision: 'accept', reason: 'changed my mind' })).status).toBe(409);
		expect((await supervisor.request('POST', '/api/conflicts/conflict:nope/resolve', { decision: 'accept', reason: 'x y z' })).status).toBe(404);
		const open = (await (await supervisor.request('GET', '/api/conflicts?state=open')).json()) as { conflicts: Conflict[] };
		expect(open.conflicts.some((c) => c.action_id === late.id)).toBe(false);
		expect((await supervisor.request('GET', '/api/conflicts?state=weird')).status).toBe(400);
	});

	it('accepting a conflict applies the crew\'s action and records who decided', async () => {
		const [order] = await masterOrders({ crew: 'dpw-cleaning-2', status: 'assigned' });
		const id = order!.service_request_id;
		expect((await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: 'dpw-cleaning-1' } })).status).toBe(200);
		const late = action('dpw-cleaning-2', 'carla', id, 'on_site', {}, new Date(Date.now() + 1000));
		await store.db(crewDbName('dpw-cleaning-2')).put(late);
		const conflict = await eventually(() => store.db('conflicts').getOrNull<Conflict>(`conflict:${late.id}`).then((c) => c ?? undefined), 3000);
		const res = await supervisor.request('POST', `/api/conflicts/${conflict._id}/resolve`, { decision: 'accept', reason: 'they were already there' });
		expect(res.status).toBe(200);
		const o = await getOrder(id);
		expect(o.status).toBe('on_site');
		expect(o.history.filter((h) => h.action_id === late.id).map((h) => h.outcome)).toEqual(['conflict', 'applied']);
		expect(o.history.at(-1)).toMatchObject({ action: 'conflict_resolution', by: 'supervisor' });
	});
});

describe('ageing out', () => {
	it('closed orders leave crew databases after the window; old applied actions are purged but kept in the log', async () => {
		const [order] = await masterOrders({ crew: 'dpw-streets-1', status: 'assigned' });
		const close = action('dpw-streets-1', 'gus', order!.service_request_id, 'close', { resolution_code: 'no_issue_found' });
		await store.db(crewDbName('dpw-streets-1')).put(close);
		await eventually(async () => ((await getOrder(order!.service_request_id)).status === 'closed' ? true : undefined), 2000);
		// Still on the tablet today: the crew sees what it finished.
		await sweep(store, policyFromDays(2));
		expect(await store.db(crewDbName('dpw-streets-1')).getOrNull(order!._id)).not.toBeNull();

		// Three days later (the window is 2 days) the closed order and the old actions are gone from the crew database.
		const later = policyFromDays(2, () => Date.now() + 3 * 24 * 60 * 60 * 1000);
		const result = await sweep(store, later);
		expect(result.purged).toBeGreaterThan(0);
		expect(await store.db(crewDbName('dpw-streets-1')).getOrNull(order!._id)).toBeNull();
		expect(await store.db(crewDbName('dpw-streets-1')).getOrNull(close._id)).toBeNull();
		expect(await store.db('actions').getOrNull(close._id)).not.toBeNull();
		// Open orders stay.
		const open = await masterOrders({ crew: 'dpw-streets-1', status: { $ne: 'closed' } });
		expect(ids(await crewCopies('dpw-streets-1'))).toEqual(ids(open));
	});
});
