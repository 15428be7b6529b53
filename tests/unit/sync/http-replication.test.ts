/**
 * The engine over real HTTP: express-pouchdb (Express 4) under /sync behind a session-cookie gate standing
 * in for the gateway, reached with an injected fetch that adds the Cookie header (as the end-to-end tests
 * through the real gateway will). Checks a 401 stops replication as "signed out" and restart() resumes it.
 */
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import PouchDB from 'pouchdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSync, type SyncHandle } from '../../../src/lib/sync/engine';
import { openLocalDb, remoteUrlFor, type LocalDb, type PouchStatic, type SyncFetch } from '../../../src/lib/sync/local-db';
import { outboxOf } from '../../../src/lib/sync/order-view';
import { recordAction } from '../../../src/lib/sync/record-action';
import { ORDER_ID } from '../domain/fixtures';
import { CREW_USER, crewOrder, PNG_BYTES, tempPouch, waitForSnapshot, waitForStatus } from './fixtures';

const SESSION = 'fw_session=signed-in';
const SYNC_PATH = '/sync/crew-crew-a';

describe('sync over HTTP with a session cookie', () => {
	let Pouch: PouchStatic;
	let cleanup: () => Promise<void>;
	let server: Server;
	let origin: string;
	let crewDb: LocalDb;
	let sync: SyncHandle;
	/** The "gateway" accepts the session while this is true. */
	let sessionValid = true;
	let refused = 0;
	/** While set, the "gateway" answers every request with this status (a failing server). */
	let failWith: number | null = null;

	/** Node's fetch for PouchDB (node-fetch, as PouchDB itself uses) with the session cookie added. */
	const fetchWithCookie: SyncFetch = (url, init = {}) => {
		const headers = new Headers(init.headers);
		headers.set('cookie', SESSION);
		return PouchDB.fetch(url, { ...init, headers });
	};

	beforeAll(async () => {
		({ PouchDB: Pouch, cleanup } = await tempPouch());
		const app = express();
		app.use('/sync', (req, res, next) => {
			if (failWith !== null) return res.status(failWith).json({ error: 'bad_gateway', reason: 'The data store could not answer this request' });
			if (sessionValid && req.headers.cookie === SESSION) return next();
			refused++;
			res.status(401).json({ error: 'unauthorized', reason: 'Sign in first' });
		});
		app.use('/sync', expressPouchDB(Pouch, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
		server = await new Promise<Server>((resolve) => {
			const s = app.listen(0, '127.0.0.1', () => resolve(s));
		});
		origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		crewDb = openLocalDb(Pouch, 'crew-crew-a');
		const { _rev: _omit, ...order } = crewOrder();
		await crewDb.put(order);
		sync = startSync({ PouchDB: Pouch, name: 'tablet', remoteUrl: remoteUrlFor(origin, SYNC_PATH), fetch: fetchWithCookie });
	});

	afterAll(async () => {
		await sync.stop();
		await crewDb.close();
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
		await cleanup();
	});

	it('pulls the orders and pushes an action with its photo through the gate', async () => {
		await waitForSnapshot(sync, (s) => s.orders.length === 1, 'the order');
		const order = sync.snapshot!.orders[0]!;
		const saved = await recordAction(sync.db, {
			user: CREW_USER,
			order,
			action: 'photo',
			payload: { attachment: 'before.png', kind: 'before' },
			attachments: { 'before.png': { content_type: 'image/png', data: PNG_BYTES } }
		});
		const snap = await waitForSnapshot(sync, (s) => s.onServer.has(saved.id), 'the photo action on the server');
		expect(outboxOf(snap)[0]).toMatchObject({ id: saved.id, status: 'sent', orderId: ORDER_ID });
		const onServer = await crewDb.getAttachment(saved._id, 'before.png');
		expect(new Uint8Array(onServer as Buffer)).toEqual(PNG_BYTES);
		await waitForStatus(sync, (s) => s.phase === 'idle', 'idle');
	});

	it('a failing server is an error that retries by itself with backoff, and recovers', async () => {
		failWith = 502;
		await crewDb.put({ ...crewOrder({ _id: 'order:404', service_request_id: '404' }), _rev: undefined });
		const failing = await waitForStatus(sync, (x) => x.phase === 'error', 'the server error');
		expect(failing).toMatchObject({ retrying: true, error: { kind: 'server', status: 502 } });
		failWith = null;
		await waitForSnapshot(sync, (x) => x.orders.length === 2, 'the order after the retry');
		expect((await waitForStatus(sync, (x) => x.phase === 'idle', 'recovered')).error).toBeNull();
	});

	it('a 401 stops replication as "signed out" instead of retrying forever', async () => {
		sessionValid = false;
		// The live pull's next request hits the gate: a new order makes it ask.
		await crewDb.put({ ...crewOrder({ _id: 'order:303', service_request_id: '303' }), _rev: undefined });
		const s = await waitForStatus(sync, (x) => x.phase === 'error', 'the signed-out error');
		expect(s).toMatchObject({ retrying: false, error: { kind: 'signed_out', status: 401 } });
		expect(s.error?.message).toMatch(/signed out/i);
		// Requests already in flight (the pull fetches documents while its next long poll starts) may still be
		// refused; after that, nothing: PouchDB does not retry a 401.
		await new Promise((r) => setTimeout(r, 300));
		const refusedSoFar = refused;
		await new Promise((r) => setTimeout(r, 2500)); // longer than the first backoffs (1 s, 2 s)
		expect(refused).toBe(refusedSoFar);
	});

	it('after signing in again, restart() resumes and catches up', async () => {
		sessionValid = true;
		sync.restart();
		await waitForSnapshot(sync, (s) => s.orders.length === 3, 'the new order');
		const s = await waitForStatus(sync, (x) => x.phase === 'idle', 'idle again');
		expect(s.error).toBeNull();
		expect(s.lastError?.kind).toBe('signed_out');
	});
});
