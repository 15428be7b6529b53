/**
 * Directory lists (crews, departments, service types, API keys) against a real express-pouchdb store: they are
 * read by id range, never with a Mango query. The embedded store runs the queries of one index strictly one
 * after the other, and the reducer runner lists crews and departments for every action it applies: under
 * 100 crews syncing at once (npm run bench:load) those queries queued for seconds and held up the board and
 * dispatch, which list crews too.
 */
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewDocId, departmentDocId, type Crew } from '../../../src/lib/domain';
import { DIRECTORY_CACHE_MS, cachedDirectoryRead, listCrews, listDepartments, listServiceTypes, readOfType } from '../../../src/lib/server/directory';
import { CouchClient } from '../../../src/lib/server/store/couch-client';
import { DIRECTORY_DB } from '../../../src/lib/server/store/schema';
import { tempPouch } from '../sync/fixtures';

const crew = (id: string): Crew => ({
	_id: crewDocId(id),
	type: 'crew',
	id,
	name: `Crew ${id}`,
	department: 'dpw',
	members: [],
	depot: { name: 'Depot', lat: 37.78, long: -122.41 },
	service_codes: [],
	last_position: null
});

describe('directory lists', () => {
	let server: Server;
	let cleanup: () => Promise<void>;
	let store: CouchClient;
	let url: string;
	const requests: string[] = [];
	const encodings: string[] = [];

	beforeAll(async () => {
		const temp = await tempPouch();
		cleanup = temp.cleanup;
		const app = express();
		app.use((req, res, next) => {
			requests.push(`${req.method} ${req.path}`);
			res.on('finish', () => encodings.push(String(res.getHeader('content-encoding') ?? 'identity')));
			next();
		});
		app.use(expressPouchDB(temp.PouchDB, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
		server = await new Promise<Server>((resolve) => {
			const s = app.listen(0, '127.0.0.1', () => resolve(s));
		});
		url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		store = new CouchClient(url);
		await store.db(DIRECTORY_DB).create();
		await store.db(DIRECTORY_DB).bulkDocs([
			crew('b-crew'),
			crew('a-crew'),
			{ _id: departmentDocId('dpw'), type: 'department', id: 'dpw', name: 'Public Works', short_name: 'DPW', agency_queues: [] },
			// Neighbours in id order that are not crews: a user, a presence ping, a stray document in the crew range.
			{ _id: 'user:ana', type: 'user' },
			{ _id: 'presence:a-crew', type: 'presence' },
			{ _id: 'crew:note', type: 'note' }
		]);
	});
	afterAll(async () => {
		await new Promise((r) => server?.close(r));
		await cleanup?.();
	});

	it('lists each type in id order, only documents of that type', async () => {
		expect((await listCrews(store)).map((c) => c.id)).toEqual(['a-crew', 'b-crew']);
		expect((await listDepartments(store)).map((d) => d.id)).toEqual(['dpw']);
		expect(await listServiceTypes(store)).toEqual([]);
	});

	it('never asks the store a Mango query; many callers at once share one read per list', async () => {
		const client = new CouchClient(url);
		requests.length = 0;
		const lists = await Promise.all(Array.from({ length: 20 }, () => Promise.all([listCrews(client), listDepartments(client)])));
		expect(lists.every(([crews, departments]) => crews.length === 2 && departments.length === 1)).toBe(true);
		expect(requests).toEqual([`GET /${DIRECTORY_DB}/_all_docs`, `GET /${DIRECTORY_DB}/_all_docs`]);
	});

	it('each caller gets its own copy of a shared read', async () => {
		const client = new CouchClient(url);
		const [a, b] = await Promise.all([listCrews(client), listCrews(client)]);
		a[0]!.name = 'changed by one caller';
		a.pop();
		expect(b.map((c) => c.name)).toEqual(['Crew a-crew', 'Crew b-crew']);
		expect((await listCrews(client)).map((c) => c.name)).toEqual(['Crew a-crew', 'Crew b-crew']);
	});

	it('a write through this process is seen at once; a presence ping does not drop the crews list', async () => {
		const client = new CouchClient(url);
		await listCrews(client);
		requests.length = 0;
		await listCrews(client);
		expect(requests).toEqual([]); // reused

		const db = client.db(DIRECTORY_DB);
		await db.put({ _id: 'presence:b-crew', type: 'presence' });
		await listCrews(client);
		expect(requests.filter((r) => r.startsWith('GET'))).toEqual([]); // another prefix: still reused

		const doc = await db.get<Crew & { _rev: string }>(crewDocId('b-crew'));
		await db.put({ ...doc, name: 'Crew B renamed' });
		expect((await listCrews(client)).find((c) => c.id === 'b-crew')?.name).toBe('Crew B renamed');
		await db.put({ ...doc, _rev: (await db.get<{ _rev: string }>(crewDocId('b-crew')))._rev, name: 'Crew b-crew' });
		const ping = await db.get<{ _rev: string }>('presence:b-crew');
		await db.put({ _id: 'presence:b-crew', _rev: ping._rev, _deleted: true });
	});

	it("another process's write shows once the cached read is older than DIRECTORY_CACHE_MS", async () => {
		const client = new CouchClient(url);
		const other = new CouchClient(url);
		let reads = 0;
		const read = async () => (reads++, (await client.db(DIRECTORY_DB).getOrNull<{ v: number }>('probe:1'))?.v ?? 0);
		await other.db(DIRECTORY_DB).put({ _id: 'probe:1', v: 1 });
		expect(await cachedDirectoryRead(client, 'probe', read, 1_000)).toBe(1);
		const first = await other.db(DIRECTORY_DB).get<{ _rev: string }>('probe:1');
		await other.db(DIRECTORY_DB).put({ _id: 'probe:1', _rev: first._rev, v: 2 }); // not through `client`
		expect(await cachedDirectoryRead(client, 'probe', read, 1_000 + DIRECTORY_CACHE_MS - 1)).toBe(1);
		expect(await cachedDirectoryRead(client, 'probe', read, 1_000 + DIRECTORY_CACHE_MS)).toBe(2);
		expect(reads).toBe(2);
	});

	it('a failed read is not kept: the next caller reads again', async () => {
		const client = new CouchClient(url);
		await expect(cachedDirectoryRead(client, 'failing', async () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
		expect(await cachedDirectoryRead(client, 'failing', async () => 'ok')).toBe('ok');
	});

	it("reads the board's users and presence pings by id range too, unchecked, only of that type", async () => {
		requests.length = 0;
		const [users, pings] = await Promise.all([readOfType(store, 'user'), readOfType(store, 'presence')]);
		expect(users.map((d) => (d as { _id?: string })._id)).toEqual(['user:ana']);
		expect(pings.map((d) => (d as { _id?: string })._id)).toEqual(['presence:a-crew']);
		expect(requests.every((r) => r === `GET /${DIRECTORY_DB}/_all_docs`)).toBe(true);
	});

	it('asks the store for uncompressed answers (no gzip on loopback: it cost both ends CPU)', async () => {
		encodings.length = 0;
		const big = Array.from({ length: 30 }, (_, i) => crew(`z-crew-${String(i).padStart(2, '0')}`));
		await store.db(DIRECTORY_DB).bulkDocs(big);
		const crews = await listCrews(store);
		expect(crews.length).toBe(32);
		expect(encodings.length).toBeGreaterThan(0);
		expect(encodings.every((e) => e === 'identity')).toBe(true);
	});
});
