/**
 * A replication that fails while a batch is still in flight must not lose the batches it had queued (found by
 * npm run chaos, docs/chaos.md). PouchDB 9 with `retry: true` drops its queued batches when the changes feed
 * fails, but the batch in flight carries on, and when it is done it starts reading changes again — from past
 * the dropped batches — and checkpoints further changes; the retry then starts from that checkpoint and the
 * dropped documents never reach the tablet. The engine therefore cancels a failed replication itself (which
 * stops the batch in flight before it reads on) and starts a fresh one after its backoff.
 *
 * Staged here over real HTTP: the crew database holds 20 documents with photos (batch A, whose photos come
 * slowly) and 20 without (batch B, queued behind A); the first long poll of the live feed is cut; a new
 * document arrives after A is written and before the retry.
 */
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import PouchDB from 'pouchdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PULL_BATCH_SIZE, startSync, type SyncHandle } from '../../../src/lib/sync/engine';
import { openLocalDb, remoteUrlFor, type LocalDb, type PouchStatic } from '../../../src/lib/sync/local-db';
import { SYNC_RETRY_MIN_MS } from '../../../src/lib/sync/state';
import { JPEG_BYTES, tempPouch, testNetwork } from './fixtures';

const SLOW_PHOTO_MS = 400; // batch A is in flight this long after the live feed has failed
const CUT_LONG_POLL_AFTER_MS = 100;
const LATE_DOC_AT_MS = SLOW_PHOTO_MS + 300; // after A is written, before the first retry (SYNC_RETRY_MIN_MS)
const SETTLE_TIMEOUT_MS = 15 * SYNC_RETRY_MIN_MS; // generous: a busy machine
const POLL_MS = 100;

const photo = Buffer.from(JPEG_BYTES).toString('base64');
const ids = (prefix: string) => Array.from({ length: SYNC_PULL_BATCH_SIZE }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);

describe('a replication error while a batch is in flight', () => {
	let Pouch: PouchStatic;
	let cleanup: () => Promise<void>;
	let server: Server;
	let crewDb: LocalDb;
	let sync: SyncHandle;
	let longPolls = 0;

	beforeAll(async () => {
		({ PouchDB: Pouch, cleanup } = await tempPouch());
		const app = express();
		app.use('/sync', (req, _res, next) => {
			if (/^\/crew-x\/a\d+\/p\.jpg/.test(req.url)) return void setTimeout(next, SLOW_PHOTO_MS);
			if (req.url.startsWith('/crew-x/_changes') && req.url.includes('feed=longpoll') && longPolls++ === 0) {
				return void setTimeout(() => req.socket.destroy(), CUT_LONG_POLL_AFTER_MS);
			}
			next();
		});
		app.use('/sync', expressPouchDB(Pouch, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
		server = await new Promise<Server>((resolve) => {
			const s = app.listen(0, '127.0.0.1', () => resolve(s));
		});
		crewDb = openLocalDb(Pouch, 'crew-x');
		await crewDb.bulkDocs(ids('a').map((_id) => ({ _id, _attachments: { 'p.jpg': { content_type: 'image/jpeg', data: photo } } })));
		await crewDb.bulkDocs(ids('b').map((_id) => ({ _id })));
	});

	afterAll(async () => {
		await sync?.stop();
		await crewDb.close();
		await new Promise<void>((resolve) => {
			server.close(() => resolve());
			server.closeAllConnections();
		});
		await cleanup();
	});

	it('the documents of the batches it had queued still reach the tablet', async () => {
		const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		sync = startSync({
			PouchDB: Pouch,
			name: 'tablet-x',
			remoteUrl: remoteUrlFor(origin, '/sync/crew-x'),
			fetch: (url, init) => PouchDB.fetch(url, init),
			network: testNetwork(true),
			random: () => 0.5 // no jitter: the first retry comes after exactly SYNC_RETRY_MIN_MS
		});
		await new Promise((r) => setTimeout(r, LATE_DOC_AT_MS));
		await crewDb.put({ _id: 'c000' });
		const want = [...ids('a'), ...ids('b'), 'c000'];
		const missing = async () => {
			const local = new Set((await sync.db.allDocs()).rows.map((r) => r.id));
			return want.filter((id) => !local.has(id));
		};
		// Without the fix the b documents never come, however long one waits; with it they come after a retry.
		const deadline = Date.now() + SETTLE_TIMEOUT_MS;
		while ((await missing()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, POLL_MS));
		expect(longPolls).toBeGreaterThan(1); // the cut happened, and the feed came back
		expect(await missing()).toEqual([]);
	});
});
