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
import { listCrews, listDepartments, listServiceTypes, readOfType } from '../../../src/lib/server/directory';
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
		store = new CouchClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
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

	it('never asks the store a Mango query, so many callers at once are answered side by side', async () => {
		requests.length = 0;
		const lists = await Promise.all(Array.from({ length: 20 }, () => Promise.all([listCrews(store), listDepartments(store)])));
		expect(lists.every(([crews, departments]) => crews.length === 2 && departments.length === 1)).toBe(true);
		expect(requests.length).toBe(40);
		expect(requests.filter((r) => r.endsWith('/_find'))).toEqual([]);
		expect(requests.every((r) => r === `GET /${DIRECTORY_DB}/_all_docs`)).toBe(true);
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
