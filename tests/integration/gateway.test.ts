/**
 * The sync gateway (/sync/<db>/…) against the BUILT app and its seeded embedded store, over HTTP: who may
 * reach which database, the write rules, real PouchDB replication (push, pull, live two-way) and that the
 * store never shows through.
 */
import PouchDB from 'pouchdb';
import { createServer } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crewDbName, MAX_ATTACHMENT_BYTES } from '../../src/lib/domain';
import { CouchClient } from '../../src/lib/server/store/couch-client';
import { MAX_SYNC_BODY_BYTES } from '../../src/lib/server/sync/write-rules';
import { Session, startApp, type RunningApp } from '../helpers/app-server';
import { DEMO_CREW_MEMBER, DEMO_OTHER_CREW_MEMBER, DEMO_PASSWORD } from '../helpers/demo';
import { jpegOfSize, noteAction, photoAction, tinyGif, tinyJpeg, tinyPng, type Author } from '../helpers/sync-fixtures';

const ANA: Author = { id: DEMO_CREW_MEMBER.username, crew: DEMO_CREW_MEMBER.crew };
const ELI: Author = { id: DEMO_OTHER_CREW_MEMBER.username, crew: DEMO_OTHER_CREW_MEMBER.crew };
const DB = crewDbName(ANA.crew);
const SYNC = `/sync/${DB}`;
const OTHER_SYNC = `/sync/${crewDbName(ELI.crew)}`;
const STORE_USER = 'fieldwork'; // src/lib/server/store/embedded.ts
const WAIT_MS = 10_000; // how long a live change may take to cross
const POLL_MS = 100;
const ONE_MB = 1024 * 1024;

let app: RunningApp;
let ana: Session;
let eli: Session;
let supervisor: Session;
let store: CouchClient;
/** What must never appear in an answer: the store's password, address, basic-auth token, data directory. */
let storeSecrets: string[];
/** Every gateway answer of this file (status line, headers, body), checked at the end. */
const answers: string[] = [];

interface Answer {
	status: number;
	headers: Headers;
	text: string;
	body: unknown;
}

async function record(res: Response): Promise<Answer> {
	const text = await res.text();
	answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
	let body: unknown = null;
	if (text) {
		try {
			body = JSON.parse(text) as unknown;
		} catch {
			body = text; // attachments and other non-JSON answers are compared as text
		}
	}
	return { status: res.status, headers: res.headers, text, body };
}

async function call(session: Session | null, method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
	return record(await (session ?? new Session(app.url)).request(method, pathname, body, headers));
}

async function login(username: string): Promise<Session> {
	const s = new Session(app.url);
	expect((await s.login(username, DEMO_PASSWORD)).status).toBe(200);
	return s;
}

const docUrl = (id: string) => `${SYNC}/${encodeURIComponent(id)}`;

async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
	const deadline = Date.now() + WAIT_MS;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((r) => setTimeout(r, POLL_MS));
	}
}

beforeAll(async () => {
	app = await startApp();
	[ana, eli, supervisor] = await Promise.all([login(ANA.id), login(ELI.id), login('supervisor')]);
	const password = (await readFile(path.join(app.dataDir, 'secrets', 'store-password'), 'utf8')).trim();
	const { port } = JSON.parse(await readFile(path.join(app.dataDir, 'store.json'), 'utf8')) as { port: number };
	store = new CouchClient(`http://${STORE_USER}:${encodeURIComponent(password)}@127.0.0.1:${port}`);
	storeSecrets = [password, `127.0.0.1:${port}`, `localhost:${port}`, Buffer.from(`${STORE_USER}:${password}`).toString('base64'), app.dataDir];
});
afterAll(async () => {
	await app?.stop();
});

describe('who may sync which database', () => {
	it('without a session or device token: 401 in CouchDB style', async () => {
		for (const [method, p] of [
			['GET', `${SYNC}/`],
			['GET', `${SYNC}/_changes?since=0`],
			['POST', `${SYNC}/_bulk_docs`]
		] as const) {
			const res = await call(null, method, p, method === 'POST' ? { docs: [] } : undefined);
			expect(res.status).toBe(401);
			expect(res.body).toMatchObject({ error: 'unauthorized', reason: expect.any(String) });
		}
	});

	it('a crew member reaches their own crew database, with or without the trailing slash, never redirected', async () => {
		for (const p of [`${SYNC}/`, SYNC]) {
			const res = await call(ana, 'GET', p);
			expect(res.status).toBe(200);
			expect(res.body).toMatchObject({ db_name: DB, doc_count: expect.any(Number), update_seq: expect.anything() });
			// Only the protocol's fields: nothing about the store's adapter or files.
			expect(Object.keys(res.body as object).sort()).toEqual(expect.arrayContaining(['db_name', 'doc_count', 'update_seq']));
			expect(res.text).not.toMatch(/adapter|leveldb/i);
			expect(res.headers.get('cache-control')).toBe('no-store');
		}
		const post = await call(ana, 'POST', `${SYNC}/_bulk_docs/`, { docs: [] });
		expect(post.status).toBe(201);
		const head = await ana.request('HEAD', `${SYNC}/`);
		expect(head.status).toBe(200);
	});

	it("another crew's database is 403, both ways", async () => {
		for (const [s, p] of [
			[ana, `${OTHER_SYNC}/`],
			[ana, `${OTHER_SYNC}/_changes?since=0`],
			[eli, `${SYNC}/`],
			[eli, `${SYNC}/_all_docs`]
		] as const) {
			const res = await call(s, 'GET', p);
			expect(res.status).toBe(403);
			expect(res.body).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/may sync only crew-/) });
		}
		const write = await call(ana, 'POST', `${OTHER_SYNC}/_bulk_docs`, { docs: [noteAction(ANA)] });
		expect(write.status).toBe(403);
	});

	it('the master and directory databases are 403; names that are not databases are 404', async () => {
		for (const p of ['/sync/orders/', '/sync/directory/_all_docs?include_docs=true', '/sync/orders/_changes']) {
			expect((await call(ana, 'GET', p)).status).toBe(403);
		}
		for (const p of ['/sync/_all_dbs', '/sync/_users/', '/sync/Crew-X/', '/sync/crew%2Fx/', '/sync/_session']) {
			const res = await call(ana, 'GET', p);
			expect(res.status, p).toBe(404);
			expect(res.body).toMatchObject({ error: 'not_found' });
		}
	});

	it('a supervisor is 403 (the sync gateway is for crew tablets)', async () => {
		const res = await call(supervisor, 'GET', `${SYNC}/`);
		expect(res.status).toBe(403);
		expect(res.body).toMatchObject({ error: 'forbidden' });
	});

	it('an empty _bulk_get answers at once with no results (found by fuzzing: the embedded store never answered it)', async () => {
		const res = await record(await ana.request('POST', `${SYNC}/_bulk_get?revs=true`, { docs: [] }, {}));
		expect(res.status).toBe(200);
		expect(res.body).toEqual({ results: [] });
	});

	it('everything outside the replication protocol is 403', async () => {
		const refused: [string, string, unknown?][] = [
			['GET', `${SYNC}/_design/app`],
			['PUT', `${SYNC}/_design/app`, { views: {} }],
			['GET', `${SYNC}/_design/app/_view/all`],
			['POST', `${SYNC}/_find`, { selector: {} }],
			['POST', `${SYNC}/_index`, { index: { fields: ['type'] } }],
			['POST', `${SYNC}/_compact`, {}],
			['GET', `${SYNC}/_security`],
			['PUT', `${SYNC}/_security`, { members: {} }],
			['POST', `${SYNC}/_purge`, {}],
			['GET', `${SYNC}/_design_docs`],
			['PUT', `${SYNC}/`],
			['DELETE', `${SYNC}/`],
			['POST', `${SYNC}/`, noteAction(ANA)],
			['GET', `${SYNC}/_changes?filter=app/by_type`],
			['GET', `${SYNC}/_changes?filter=_view&view=app/all`],
			['GET', `${SYNC}/_bulk_docs`],
			['DELETE', `${SYNC}/_revs_diff`],
			['PUT', `${SYNC}/action%3Ax/photo.jpg`, {}],
			['POST', '/sync/', {}]
		];
		for (const [method, p, body] of refused) {
			const res = await call(ana, method, p, body);
			expect(res.status, `${method} ${p}`).toBe(403);
			expect(res.body).toMatchObject({ error: 'forbidden', reason: expect.any(String) });
		}
	});
});

describe('writes: only new, well-formed actions of the signed-in crew member', () => {
	it('a valid action is written with PUT and with _bulk_docs, photo included, and reads back', async () => {
		const note = noteAction(ANA);
		const put = await call(ana, 'PUT', docUrl(note._id as string), note);
		expect(put.status).toBe(201);
		expect(put.body).toMatchObject({ ok: true, id: note._id, rev: expect.stringMatching(/^1-/) });
		expect(put.headers.get('location')).toBeNull(); // the store's Location names the store

		const photo = photoAction(ANA, tinyJpeg());
		const bulk = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [photo] });
		expect(bulk.status).toBe(201);
		expect(bulk.body).toEqual([{ ok: true, id: photo._id, rev: expect.stringMatching(/^1-/) }]);

		const got = await call(ana, 'GET', `${docUrl(photo._id as string)}?attachments=true&revs=true`);
		expect(got.status).toBe(200);
		expect(got.body).toMatchObject({ _id: photo._id, author: 'ana', _revisions: { start: 1 } });
		const att = await ana.request('GET', `${docUrl(photo._id as string)}/before.jpg`);
		expect(att.status).toBe(200);
		expect(att.headers.get('content-type')).toBe('image/jpeg');
		expect(new Uint8Array(await att.arrayBuffer())).toEqual(tinyJpeg());
	});

	it('extra top-level keys are not stored', async () => {
		const doc: Record<string, unknown> = { ...noteAction(ANA), smuggled: 'x'.repeat(100) };
		expect((await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [doc] })).status).toBe(201);
		const stored = await store.db(DB).get<Record<string, unknown>>(doc._id as string);
		expect(stored).not.toHaveProperty('smuggled');
	});

	it('writing an order document is 403', async () => {
		const order = { _id: 'order:gw-1', type: 'work_order', status: 'closed' };
		for (const res of [
			await call(ana, 'PUT', docUrl('order:gw-1'), order),
			await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [order] }),
			await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [{ ...order, _rev: '1-abc', _revisions: { start: 1, ids: ['abc'] } }], new_edits: false })
		]) {
			expect(res.status).toBe(403);
			expect(res.body).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/order documents are read-only to tablets/) });
		}
	});

	it('a forged author or another crew is 403', async () => {
		const forged = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [noteAction({ id: 'ben', crew: ANA.crew })] });
		expect(forged.status).toBe(403);
		expect(forged.body).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/forged author/) });
		const crew = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [noteAction({ id: ANA.id, crew: ELI.crew })] });
		expect(crew.status).toBe(403);
		expect(crew.body).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/wrong crew/) });
	});

	it('deleting is 403', async () => {
		const doc = noteAction(ANA);
		const { body } = await call(ana, 'PUT', docUrl(doc._id as string), doc);
		const rev = (body as { rev: string }).rev;
		const del = await call(ana, 'DELETE', `${docUrl(doc._id as string)}?rev=${rev}`);
		expect(del.status).toBe(403);
		const viaBulk = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [{ ...doc, _rev: rev, _deleted: true }] });
		expect(viaBulk.status).toBe(403);
		expect(viaBulk.body).toMatchObject({ reason: expect.stringMatching(/cannot be deleted/) });
		expect(await store.db(DB).get(doc._id as string)).toMatchObject({ _rev: rev });
	});

	it('a second revision of an action is 403; replaying the same first revision is fine', async () => {
		const doc = noteAction(ANA);
		const { body } = await call(ana, 'PUT', docUrl(doc._id as string), doc);
		const rev = (body as { rev: string }).rev;
		const hash = rev.slice(2);
		const edited = { ...doc, payload: { text: 'changed my mind', visibility: 'internal' } };

		const edit = await call(ana, 'PUT', docUrl(doc._id as string), { ...edited, _rev: rev });
		expect(edit.status).toBe(403);
		const again = await call(ana, 'PUT', docUrl(doc._id as string), edited);
		expect(again.status).toBe(403);
		expect(again.body).toMatchObject({ reason: expect.stringMatching(/already exists/) });
		const second = await call(ana, 'POST', `${SYNC}/_bulk_docs`, {
			docs: [{ ...edited, _rev: `2-${'b'.repeat(32)}`, _revisions: { start: 2, ids: ['b'.repeat(32), hash] } }],
			new_edits: false
		});
		expect(second.status).toBe(403);
		const sibling = await call(ana, 'POST', `${SYNC}/_bulk_docs`, {
			docs: [{ ...edited, _rev: `1-${'c'.repeat(32)}`, _revisions: { start: 1, ids: ['c'.repeat(32)] } }],
			new_edits: false
		});
		expect(sibling.status).toBe(403);
		expect(sibling.body).toMatchObject({ reason: expect.stringMatching(/already exists with another revision/) });

		const replay = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [{ ...doc, _rev: rev, _revisions: { start: 1, ids: [hash] } }], new_edits: false });
		expect(replay.status).toBe(201);
		const stored = await store.db(DB).get<Record<string, unknown>>(doc._id as string, { open_revs: 'all' });
		expect(stored).toHaveLength(1); // no sibling revision slipped in
	});

	it('an attachment over MAX_ATTACHMENT_BYTES is 413', async () => {
		const res = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [photoAction(ANA, jpegOfSize(MAX_ATTACHMENT_BYTES + 1))] });
		expect(res.status).toBe(413);
		expect(res.body).toMatchObject({ error: 'too_large', reason: expect.stringMatching(/at most/) });
	});

	/**
	 * Sends raw bytes to the app (headers, then optional body chunks while the server still reads) and
	 * returns what it answered. The server may answer early and close: write errors then just end the send.
	 */
	function rawRequest(head: string, chunks: Iterable<string> = []): Promise<string> {
		return new Promise((resolve) => {
			let answer = '';
			const socket = connect(app.port, '127.0.0.1', async () => {
				socket.write(head);
				for (const chunk of chunks) {
					if (socket.destroyed || answer) break;
					if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r).once('close', r));
				}
			});
			socket.setTimeout(10_000, () => socket.destroy());
			socket.on('data', (d: Buffer) => {
				answer += d.toString();
				if (answer.includes('\r\n\r\n') && /"error"/.test(answer)) socket.destroy();
			});
			socket.on('error', () => socket.destroy()); // EPIPE/ECONNRESET after an early answer
			socket.on('close', () => resolve(answer));
		});
	}

	it('a body over MAX_SYNC_BODY_BYTES is 413, by its Content-Length and by the bytes actually sent', async () => {
		// Declared: the headers alone say it is too big. A raw socket sends them and a few bytes only — a
		// client that pushed all 16 MB could hit EPIPE when the server answers early and closes.
		const declared = await rawRequest(
			`POST ${SYNC}/_bulk_docs HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${ana.cookie}\r\nContent-Type: application/json\r\n` +
				`Content-Length: ${MAX_SYNC_BODY_BYTES + 1}\r\n\r\n{"docs":[`
		);
		expect(declared).toMatch(/^HTTP\/1\.1 413 /);
		expect(declared).toContain('"error":"too_large"');

		// Chunked: no Content-Length, so only counting the bytes read can stop it.
		const count = Math.ceil(MAX_SYNC_BODY_BYTES / ONE_MB) + 1;
		function* chunked() {
			for (let i = 0; i < count; i++) yield `${ONE_MB.toString(16)}\r\n${' '.repeat(ONE_MB)}\r\n`;
			yield '0\r\n\r\n';
		}
		const streamed = await rawRequest(
			`POST ${SYNC}/_bulk_docs HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${ana.cookie}\r\nContent-Type: application/json\r\n` +
				`Transfer-Encoding: chunked\r\n\r\n`,
			chunked()
		);
		expect(streamed).toMatch(/^HTTP\/1\.1 413 /);
		expect(streamed).toContain('"error":"too_large"');
	});

	it('a refusal given before the body is read still answers, request after request on one connection (found by fuzzing)', async () => {
		// The body is read and dropped before the answer: left unread, it stalled the kept-alive connection and the
		// client got a reset instead of the 401/403.
		const big = JSON.stringify({ docs: [{ ...noteAction(ANA), payload: { text: 'x'.repeat(ONE_MB), visibility: 'internal' } }] });
		for (let i = 0; i < 4; i++) {
			const other = await call(ana, 'POST', `${OTHER_SYNC}/_bulk_docs`, big, { 'content-type': 'application/json' });
			expect(other.status).toBe(403);
			expect(other.body).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/may sync only/) });
			const design = await call(ana, 'PUT', `${SYNC}/_design/app`, big, { 'content-type': 'application/json' });
			expect(design.status).toBe(403);
			const anonymous = await call(null, 'POST', `${SYNC}/_bulk_docs`, big, { 'content-type': 'application/json' });
			expect(anonymous.status).toBe(401);
		}
	});

	it.each([
		['PNG bytes declared as image/jpeg', () => photoAction(ANA, tinyPng(), 'image/jpeg'), /declared image\/jpeg but its bytes are image\/png/],
		['GIF bytes declared as image/jpeg', () => photoAction(ANA, tinyGif(), 'image/jpeg'), /not a JPEG, PNG or WebP/],
		['GIF bytes declared as image/gif', () => photoAction(ANA, tinyGif(), 'image/gif'), /content_type image\/gif/],
		['text declared as image/jpeg', () => photoAction(ANA, new TextEncoder().encode('<html>not a photo</html>'), 'image/jpeg'), /not a JPEG, PNG or WebP/]
	])('a wrong photo type (%s) is 400', async (_name, make, reason) => {
		const res = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [make()] });
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ error: 'bad_request', reason: expect.stringMatching(reason) });
	});

	it('an unknown or supervisor action type is 400', async () => {
		const unknown = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [noteAction(ANA, { action: 'self_destruct' })] });
		expect(unknown.status).toBe(400);
		expect(unknown.body).toMatchObject({ error: 'bad_request', reason: expect.stringMatching(/action/) });
		const assign = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [noteAction(ANA, { action: 'assign', payload: { crew: ANA.crew } })] });
		expect(assign.status).toBe(400);
		expect(assign.body).toMatchObject({ reason: expect.stringMatching(/assign is not an action a tablet may write/) });
	});

	it('an invalid payload is 400 with the schema reason', async () => {
		const res = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [noteAction(ANA, { payload: { text: '', visibility: 'everyone' } })] });
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ error: 'bad_request', reason: expect.stringMatching(/payload\.(text|visibility)/) });
	});

	it.each([
		['not JSON', '{"docs": [', {}],
		['a JSON array', '[]', {}],
		['no docs', '{"doc": []}', {}],
		['a text/plain body', JSON.stringify({ docs: [] }), { 'content-type': 'text/plain' }]
	])('a malformed write (%s) is 400, never a 500', async (_name, body, headers) => {
		const res = await call(ana, 'POST', `${SYNC}/_bulk_docs`, body, { 'content-type': 'application/json', ...headers });
		expect(res.status).toBe(400);
		expect(res.body).toMatchObject({ error: 'bad_request' });
	});

	it.each([
		['a forged author (403)', () => noteAction({ id: 'ben', crew: ANA.crew }), 403],
		['an oversize photo (413)', () => photoAction(ANA, jpegOfSize(MAX_ATTACHMENT_BYTES + 1)), 413],
		['a GIF (400)', () => photoAction(ANA, tinyGif(), 'image/jpeg'), 400]
	])('a batch with one bad document — %s — writes nothing', async (_name, makeBad, status) => {
		const good = [noteAction(ANA), photoAction(ANA, tinyJpeg())];
		const res = await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [...good, makeBad()] });
		expect(res.status).toBe(status);
		const check = await call(ana, 'POST', `${SYNC}/_all_docs`, { keys: good.map((d) => d._id) });
		expect(check.status).toBe(200);
		expect((check.body as { rows: { error?: string }[] }).rows).toEqual(good.map((d) => ({ key: d._id, error: 'not_found' })));
	});
});

describe('device tokens', () => {
	it('a device token syncs; a revoked one is 401', async () => {
		const created = await call(ana, 'POST', '/api/auth/device-tokens', { label: 'truck 7 tablet' });
		expect(created.status).toBe(201);
		const { token, info } = created.body as { token: string; info: { token_id: string } };
		const bearer = { authorization: `Bearer ${token}` };

		const tokenOnly = new Session(app.url);
		expect((await call(tokenOnly, 'GET', `${SYNC}/`, undefined, bearer)).status).toBe(200);
		const doc = noteAction(ANA);
		expect((await call(tokenOnly, 'POST', `${SYNC}/_bulk_docs`, { docs: [doc] }, bearer)).status).toBe(201);
		expect((await call(tokenOnly, 'GET', `${OTHER_SYNC}/`, undefined, bearer)).status).toBe(403);

		expect((await call(ana, 'DELETE', `/api/auth/device-tokens/${info.token_id}`)).status).toBe(200);
		const revoked = await call(tokenOnly, 'GET', `${SYNC}/`, undefined, bearer);
		expect(revoked.status).toBe(401);
		expect(revoked.body).toMatchObject({ error: 'unauthorized' });
	});
});

describe('PouchDB 9 replication through the gateway', () => {
	let dir: string;
	/** "METHOD /path?params -> status" of every request PouchDB made, ids replaced by placeholders. */
	const observed = new Set<string>();

	const pattern = (method: string, url: URL, status: number) => {
		const p = url.pathname
			.replace(`${SYNC}`, '/sync/{db}')
			.replace(/\/_local\/[^/]+$/, '/_local/{id}')
			.replace(/\/(action|order)%3A[^/]+/, '/{docid}')
			.replace(/(\{docid\})\/[^/]+$/, '$1/{attachment}');
		const params = [...url.searchParams.keys()].sort().join('&');
		return `${method} ${p}${params ? `?${params}` : ''} -> ${status}`;
	};

	/** PouchDB's fetch with the session cookie (or a device token) added; records and checks every answer. */
	function gatewayFetch(auth: Record<string, string>): typeof PouchDB.fetch {
		return async (input: string | Request, opts: RequestInit = {}) => {
			const headers = new Headers(opts.headers);
			for (const [k, v] of Object.entries(auth)) headers.set(k, v);
			const url = new URL(typeof input === 'string' ? input : input.url);
			const method = opts.method ?? 'GET';
			const res = await PouchDB.fetch(url.toString(), { ...opts, headers });
			observed.add(pattern(method, url, res.status));
			// Read a copy of every answer for the store-leak check (streams included, as they arrive).
			void res
				.clone()
				.text()
				.then(
					(text) => answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`),
					(e: unknown) => answers.push(`${res.status} (body not read: ${String(e)})`)
				);
			return res;
		};
	}

	const remote = (auth: Record<string, string> = { cookie: ana.cookie }) =>
		new PouchDB(`${app.url}${SYNC}`, { fetch: gatewayFetch(auth) } as PouchDB.Configuration.RemoteDatabaseConfiguration);
	const tablet = (name: string) => new PouchDB(path.join(dir, name));
	// PouchDB's put() wants its own document type; our fixtures are plain JSON records.
	const asPouchDoc = (doc: Record<string, unknown>) => doc as PouchDB.Core.PutDocument<Record<string, unknown>>;

	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), 'fw-pouch-'));
	});
	afterAll(async () => {
		await rm(dir, { recursive: true, force: true });
		if (process.env.SYNC_TRACE) console.info([...observed].sort().join('\n'));
	});

	it('pushes an action with a JPEG from one tablet and pulls it intact into another', async () => {
		const a = tablet('a');
		const b = tablet('b');
		try {
			const doc = photoAction(ANA, tinyJpeg());
			await a.put(asPouchDoc(doc));
			const pushed = await a.replicate.to(remote());
			expect(pushed).toMatchObject({ ok: true, docs_written: 1, doc_write_failures: 0 });

			const pulled = await b.replicate.from(remote());
			expect(pulled.ok).toBe(true);
			const got = await b.get<Record<string, unknown>>(doc._id as string);
			const { _attachments: _sent, ...sentFields } = doc;
			void _sent;
			expect(got).toMatchObject(sentFields);
			const bytes = (await b.getAttachment(doc._id as string, 'before.jpg')) as Buffer;
			expect(new Uint8Array(bytes)).toEqual(tinyJpeg());
			// The store holds the same bytes.
			const stored = await store.db(DB).get<{ _attachments: Record<string, { data: string }> }>(doc._id as string, { attachments: true });
			expect(Buffer.from(stored._attachments['before.jpg']!.data, 'base64')).toEqual(Buffer.from(tinyJpeg()));
		} finally {
			await a.close();
			await b.close();
		}
	});

	it('live two-way sync: a tablet action reaches the store and a server-side order reaches the tablet', async () => {
		const t = tablet('live');
		const live = t.sync(remote(), { live: true, retry: true });
		const ended = new Promise<void>((resolve) => live.on('complete', () => resolve()));
		try {
			const action = noteAction(ANA);
			await t.put(asPouchDoc(action));
			await waitFor('the action to reach the store', async () => (await store.db(DB).getOrNull(action._id as string)) !== null);

			// The projector's side, simulated: an order written straight into the crew database.
			const orderId = `order:gw-live-${Date.now()}`;
			await store.db(DB).put({ _id: orderId, type: 'work_order', status: 'assigned', crew: ANA.crew } as { _id: string });
			await waitFor('the order to reach the tablet', () =>
				t.get(orderId).then(
					() => true,
					() => false
				)
			);
			const order = await t.get<{ status: string }>(orderId);
			expect(order.status).toBe('assigned');

			// Once live, the pull waits on a streamed long poll: a later order arrives through it. (The first one may
			// have come with the initial one-shot pull when the server was busy.)
			const laterId = `${orderId}-later`;
			await store.db(DB).put({ _id: laterId, type: 'work_order', status: 'assigned', crew: ANA.crew } as { _id: string });
			await waitFor('the later order to reach the tablet', () =>
				t.get(laterId).then(
					() => true,
					() => false
				)
			);
			await waitFor('a long poll answered', async () => [...observed].some((o) => /^GET \/sync\/\{db\}\/_changes\?.*feed.*heartbeat.* -> 200$/.test(o)));
		} finally {
			live.cancel();
			await ended;
			await t.close();
		}
	});

	it('a tablet that holds a forbidden document gets its push refused, and nothing of the batch lands', async () => {
		const t = tablet('rogue');
		try {
			const good = noteAction(ANA);
			await t.put(asPouchDoc(good));
			await t.put(asPouchDoc({ _id: 'order:rogue-1', type: 'work_order', status: 'closed' }));
			await expect(t.replicate.to(remote())).rejects.toMatchObject({ status: 403 });
			expect(await store.db(DB).getOrNull(good._id as string)).toBeNull();
		} finally {
			await t.close();
		}
	});

	it('a pull filtered by doc_ids goes through POST _changes; a selector filter is a clear 400 on the embedded store', async () => {
		const wanted = noteAction(ANA);
		const other = noteAction(ANA);
		expect((await call(ana, 'POST', `${SYNC}/_bulk_docs`, { docs: [wanted, other] })).status).toBe(201);
		const byIds = tablet('by-ids');
		const bySelector = tablet('by-selector');
		try {
			await byIds.replicate.from(remote(), { doc_ids: [wanted._id as string] });
			expect((await byIds.allDocs()).rows.map((r) => r.id)).toEqual([wanted._id]);
			// express-pouchdb cannot filter _changes by selector (Apache CouchDB can): refused with a reason.
			await expect(bySelector.replicate.from(remote(), { selector: { _id: other._id as string } })).rejects.toMatchObject({
				status: 400,
				message: expect.stringMatching(/_selector filter needs Apache CouchDB/)
			});
		} finally {
			await byIds.close();
			await bySelector.close();
		}
	});

	it('a device token works for replication too', async () => {
		const created = await call(ana, 'POST', '/api/auth/device-tokens', { label: 'pouch tablet' });
		const { token } = created.body as { token: string };
		const t = tablet('token');
		try {
			await t.put(asPouchDoc(noteAction(ANA)));
			const res = await t.sync(remote({ authorization: `Bearer ${token}` }));
			expect(res.push).toMatchObject({ ok: true, docs_written: 1 });
			expect(res.pull?.ok).toBe(true);
		} finally {
			await t.close();
		}
	});

	it('PouchDB used only endpoints of the replication protocol, and none failed except the first checkpoint look-up', () => {
		const allowed = [
			/^GET \/sync\/ -> 200$/,
			/^GET \/sync\/\{db\}\/ -> 200$/,
			/^GET \/sync\/\{db\}\/_local\/\{id\} -> (200|404)$/,
			/^PUT \/sync\/\{db\}\/_local\/\{id\} -> 201$/,
			/^POST \/sync\/\{db\}\/_revs_diff -> 200$/,
			/^POST \/sync\/\{db\}\/_bulk_docs -> (201|403)$/,
			/^POST \/sync\/\{db\}\/_bulk_get\?[a-z&_]+ -> 200$/,
			/^GET \/sync\/\{db\}\/_changes\?[a-z&_]+ -> 200$/,
			/^POST \/sync\/\{db\}\/_changes\?[a-z&_]*filter[a-z&_]* -> (200|400)$/,
			/^GET \/sync\/\{db\}\/\{docid\}\/\{attachment\}\?rev -> 200$/
		];
		expect(observed.size).toBeGreaterThan(0);
		for (const o of observed) expect(allowed.some((re) => re.test(o)), o).toBe(true);
	});
});

describe('the store never shows through', () => {
	it('a store that is down is a 503 without its address or credentials', async () => {
		const probe = createServer().listen(0, '127.0.0.1');
		await new Promise((r) => probe.once('listening', r));
		const deadPort = (probe.address() as { port: number }).port;
		await new Promise((r) => probe.close(r));
		const down = await startApp({ env: { COUCHDB_URL: `http://admin:Pa55-never-shown@127.0.0.1:${deadPort}` }, waitForStatus: 503 });
		try {
			// A device token makes the gateway's authentication ask the store.
			const res = await fetch(`${down.url}${SYNC}/`, { headers: { authorization: 'Bearer fwd_not-a-real-token' } });
			expect(res.status).toBe(503);
			const text = await res.text();
			expect(JSON.parse(text)).toMatchObject({ error: 'store_unavailable' });
			expect(text).not.toContain(String(deadPort));
			expect(text).not.toContain('Pa55-never-shown');
		} finally {
			await down.stop();
		}
	});

	it('the server logged no unexpected error and no store failure', () => {
		expect(app.logs()).not.toMatch(/\[error\] unexpected|\[sync\] the store answered/);
		expect(app.logs()).toMatch(/\[sync\] refused POST \/sync\/crew-dpw-cleaning-1\/_bulk_docs for ana: forged author/);
	});

	it("no answer of this file contains the store's password, address, auth token or data directory", async () => {
		// Let the recorded copies of streamed PouchDB answers finish.
		await new Promise((r) => setTimeout(r, POLL_MS));
		expect(answers.length).toBeGreaterThan(50);
		for (const answer of answers) {
			for (const secret of storeSecrets) expect(answer.includes(secret), `${secret} in ${answer.slice(0, 200)}`).toBe(false);
		}
	});
});
