/**
 * The tablet's sync module (src/lib/sync) in Node, against the built app's gateway: a close recorded
 * offline-style shows at once, goes queued -> sent -> applied, the replicated catalog brings the server's
 * rules, and signing out stops sync with a clear state instead of retrying forever.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PouchDB from 'pouchdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkOrder } from '../../src/lib/domain';
import { buildOrderViews, buildOutbox, catalogFromDoc, contextFromCatalog } from '../../src/lib/sync/order-view';
import { readLocal, remoteUrlFor } from '../../src/lib/sync/local-db';
import { recordAction } from '../../src/lib/sync/record-action';
import { startSync, type SyncHandle } from '../../src/lib/sync/engine';
import type { SyncStatus } from '../../src/lib/sync/state';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_PASSWORD } from '../helpers/demo';
import { eventually, storeOf } from '../helpers/store';

let app: RunningApp;
let tmp: string;

beforeAll(async () => {
	app = await startApp();
	tmp = await mkdtemp(path.join(os.tmpdir(), 'fw-client-'));
});
afterAll(async () => {
	await app?.stop();
	await rm(tmp, { recursive: true, force: true });
});

function cookieFetch(session: Session) {
	return (url: string | Request, opts: RequestInit = {}) => {
		const headers = new Headers(opts.headers);
		if (session.cookie) headers.set('cookie', session.cookie);
		return PouchDB.fetch(url, { ...opts, headers });
	};
}

const waitStatus = (sync: SyncHandle, ok: (s: SyncStatus) => boolean, ms = 10_000) =>
	eventually(async () => (ok(sync.status) ? sync.status : undefined), ms);

describe('tablet sync module through the gateway', () => {
	it('records a close, shows it at once, and follows it to applied; the catalog brings the rules', async () => {
		const session = new Session(app.url);
		const login = (await (await session.login('fatima', DEMO_PASSWORD)).json()) as { user: { id: string; role: 'crew'; crew: string }; sync_path: string };
		const sync = startSync({ PouchDB, name: path.join(tmp, 'fatima'), remoteUrl: remoteUrlFor(app.url, login.sync_path), fetch: cookieFetch(session) });
		try {
			await sync.ready;
			const snap = await eventually(async () => {
				const s = await readLocal(sync.db, new Set());
				return s.orders.length > 0 && s.catalog ? s : undefined;
			});
			expect(snap.catalog!.service_types.length).toBe(26);
			const order = snap.orders.find((o) => o.status === 'assigned')!;

			const action = await recordAction(sync.db, {
				user: login.user,
				order,
				action: 'close',
				payload: { resolution_code: 'no_issue_found', public_note: 'Already painted over by the owner.' }
			});
			// Shown at once: the pending close folded over the replicated order with the catalog's rules.
			const contextFor = contextFromCatalog(catalogFromDoc(snap.catalog!));
			const local = await readLocal(sync.db, new Set());
			const view = buildOrderViews(local.orders, local.actions, new Set(), contextFor).find((v) => v.order._id === order._id)!;
			expect(view.order.status).toBe('closed');

			// ...then applied on the server, and the replicated order says so.
			const applied = await eventually(async () => {
				const s = await readLocal(sync.db, sync.snapshot?.onServer ?? new Set());
				const entry = buildOutbox(s.orders, s.actions, s.onServer).find((e) => e.id === action.id);
				return entry?.status === 'applied' ? s : undefined;
			});
			expect(applied.orders.find((o) => o._id === order._id)!.status).toBe('closed');
			const master = await (await storeOf(app.dataDir)).db('orders').get<WorkOrder>(order._id);
			expect(master.status).toBe('closed');
			expect(master.resolution).toMatchObject({ code: 'no_issue_found', by: 'fatima' });
			await waitStatus(sync, (s) => s.pendingActions === 0 && s.queuedActions === 0);
		} finally {
			await sync.stop();
		}
	});

	it('signing out stops sync with a "signed out" error, not endless retries', async () => {
		const session = new Session(app.url);
		const login = (await (await session.login('jun', DEMO_PASSWORD)).json()) as { sync_path: string };
		const sync = startSync({ PouchDB, name: path.join(tmp, 'jun'), remoteUrl: remoteUrlFor(app.url, login.sync_path), fetch: cookieFetch(session) });
		try {
			await sync.ready;
			await session.request('POST', '/api/auth/logout');
			expect(session.cookie).toBe('fw_session=');
			sync.restart();
			const status = await waitStatus(sync, (s) => s.phase === 'error');
			expect(status.retrying).toBe(false);
			expect(status.error?.kind).toBe('signed_out');
		} finally {
			await sync.stop();
		}
	});
});
