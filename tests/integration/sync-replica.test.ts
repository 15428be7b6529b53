/**
 * Real replicas: PouchDB in Node (as a tablet, signed in as a crew member) live-syncing through the gateway
 * of the built app. Two-way: the tablet's action is applied on the master and comes back in the order;
 * a reassignment removes the order from the old crew's replica and adds it to the new crew's.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PouchDB from 'pouchdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewDbName, type WorkOrder } from '../../src/lib/domain';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

let app: RunningApp;
let tmp: string;

function cookieFetch(cookie: string) {
	return (url: string | Request, opts: RequestInit = {}) => {
		const headers = new Headers(opts.headers);
		headers.set('cookie', cookie);
		return PouchDB.fetch(url, { ...opts, headers });
	};
}

interface Tablet {
	db: PouchDB.Database;
	session: Session;
	stop(): void;
}

async function tablet(username: string, crew: string): Promise<Tablet> {
	const session = new Session(app.url);
	expect((await session.login(username, DEMO_PASSWORD)).status).toBe(200);
	const db = new PouchDB(path.join(tmp, `${username}-${randomUUID()}`));
	const remote = new PouchDB(`${app.url}/sync/${crewDbName(crew)}`, { fetch: cookieFetch(session.cookie) });
	await db.replicate.from(remote);
	const live = db.sync(remote, { live: true, retry: true });
	return { db, session, stop: () => live.cancel() };
}

async function localOrder(db: PouchDB.Database, id: string): Promise<WorkOrder | null> {
	try {
		return (await db.get(`order:${id}`)) as unknown as WorkOrder;
	} catch {
		return null; // not (or no longer) on this tablet
	}
}

beforeAll(async () => {
	app = await startApp();
	tmp = await mkdtemp(path.join(os.tmpdir(), 'fw-replica-'));
});
afterAll(async () => {
	await app?.stop();
	await rm(tmp, { recursive: true, force: true });
});

describe('tablet replicas through the gateway', () => {
	it('a tablet gets exactly its crew\'s orders, and its close comes back applied', async () => {
		const store = await storeOf(app.dataDir);
		const t = await tablet('ana', 'dpw-cleaning-1');
		try {
			const master = (await store.db('orders').find<WorkOrder>({ selector: { type: 'work_order', crew: 'dpw-cleaning-1' }, limit: 100 })).docs;
			// Right after start-up the projector may still be filling crew databases: live sync brings them.
			const expected = master.map((o) => o._id).sort();
			const local = await eventually(async () => {
				const ids = (await t.db.allDocs({ startkey: 'order:', endkey: 'order:\ufff0' })).rows.map((r) => r.id).sort();
				return JSON.stringify(ids) === JSON.stringify(expected) ? ids : undefined;
			}, 10_000);
			expect(local).toEqual(expected);

			const order = master.find((o) => o.status === 'assigned')!;
			const id = randomUUID();
			await t.db.put({
				_id: `action:${id}`,
				type: 'field_action',
				id,
				action: 'close',
				order_id: order.service_request_id,
				crew: 'dpw-cleaning-1',
				author: 'ana',
				device_time: new Date().toISOString(),
				base_rev: (order as WorkOrder & { source_rev?: string })._rev ?? null,
				payload: { resolution_code: 'no_issue_found', public_note: 'Nothing left on the sidewalk.' }
			});
			const back = await eventually(async () => {
				const o = await localOrder(t.db, order.service_request_id);
				return o?.applied_action_ids.includes(id) ? o : undefined;
			}, 5000);
			expect(back.status).toBe('closed');
			expect(back.public_notes.at(-1)?.text).toBe('Nothing left on the sidewalk.');
			expect((await store.db('orders').get<WorkOrder>(order._id)).status).toBe('closed');
		} finally {
			t.stop();
		}
	});

	it('a reassignment removes the order from the old crew\'s replica and adds it to the new crew\'s', async () => {
		const a = await tablet('carla', 'dpw-cleaning-2');
		const b = await tablet('eli', 'dpw-graffiti-1');
		try {
			const onA = (await a.db.allDocs({ startkey: 'order:', endkey: 'order:\ufff0' })).rows.map((r) => r.id.slice('order:'.length));
			expect(onA.length).toBeGreaterThan(0);
			const id = onA[0]!;
			expect(await localOrder(b.db, id)).toBeNull();
			const supervisor = new Session(app.url);
			await supervisor.login('supervisor', DEMO_PASSWORD);
			const res = await supervisor.request('POST', `/api/orders/${id}/actions`, { action: 'assign', payload: { crew: 'dpw-graffiti-1' } });
			expect(res.status).toBe(200);
			await eventually(async () => ((await localOrder(a.db, id)) === null ? true : undefined), 3000);
			const arrived = await eventually(async () => (await localOrder(b.db, id)) ?? undefined, 3000);
			expect(arrived.crew).toBe('dpw-graffiti-1');
		} finally {
			a.stop();
			b.stop();
		}
	});
});
