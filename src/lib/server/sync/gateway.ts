/**
 * The sync gateway (DESIGN.md point 4, issue 02): crew tablets replicate with `/sync/<db>/…` and never see the
 * store. A crew member reaches only `crew-<their crew>`; the CouchDB replication protocol PouchDB 9 needs is
 * passed through to the store with vetted parameters; writes are accepted only as new, well-formed action
 * documents of that user (write-rules.ts). Responses are streamed (long polls are never buffered), carry only
 * content-type and etag from the store, and never the store's address or credentials.
 *
 * No SvelteKit imports: the route (src/routes/sync/[...path]/+server.ts) only hands the request over.
 */
import { z } from 'zod';
import { crewDbName, type SessionUser } from '../../domain';
import { BadRequestError, ForbiddenError, UnauthorizedError, describeZodError, toPublicError } from '../errors';
import { CouchError, type CouchClient } from '../store/couch-client';
import { MAX_LOCAL_DOC_BYTES, MAX_SYNC_READ_BODY_BYTES, readJsonBody } from './body';
import {
	ALL_DOCS_QUERY,
	ATTACHMENT_QUERY,
	BULK_GET_QUERY,
	DOC_QUERY,
	LOCAL_QUERY,
	PUT_DOC_QUERY,
	REV_RE,
	vetChangesQuery,
	vetQuery
} from './query';
import { MAX_DOC_ID_CHARS, parseSyncPath, type SyncEndpoint } from './route';
import { MAX_SYNC_BODY_BYTES, vetActionDoc, vetBulkDocs, type SyncWriter, type VettedAction } from './write-rules';

/** Most ids or revisions in one read request body (_revs_diff, _bulk_get, _all_docs keys, _changes doc_ids). */
const MAX_READ_ITEMS = 10_000;
/** Most revisions of one document in _revs_diff / atts_since (an action has one; an order a few hundred at most). */
const MAX_REVS_PER_DOC = 1000;
/** Store error reasons passed on are cut to this length. */
const MAX_REASON_CHARS = 300;
/** Store statuses passed on to the tablet as they are; others (5xx, the store refusing us) become a 502. */
const RELAYED_ERROR_STATUSES = new Set([400, 404, 409, 412, 413, 415, 416]);
/** Store response headers passed on; everything else (hop-by-hop, Location with the store URL, Server) is dropped. */
const RELAYED_HEADERS = ['content-type', 'etag'] as const;
const HTTP_BAD_GATEWAY = 502;
const HTTP_PAYLOAD_TOO_LARGE = 413;

export interface SyncRequest {
	request: Request;
	url: URL;
	/** Set by hooks.server.ts from the session cookie or a device token. */
	user: SessionUser | null;
}

/** The store the gateway passes through to, and which kind it is (their protocols differ in one place). */
export interface SyncStore {
	store: CouchClient;
	storeKind: 'embedded' | 'couchdb';
}

interface Call extends SyncStore {
	request: Request;
	url: URL;
	/** GET for HEAD requests: the body is dropped at the end. */
	method: string;
	writer: SyncWriter;
}

// ---------- responses ----------

function couchJson(status: number, body: unknown): Response {
	return new Response(JSON.stringify(body), {
		status,
		// Sync answers are per user and per moment: never cached (a shared tablet, a service worker).
		headers: { 'content-type': 'application/json', 'cache-control': 'no-store' }
	});
}

function errorResponse(e: unknown, store: CouchClient): Response {
	if (e instanceof CouchError) return storeErrorResponse(store, e.status, e.error, e.reason);
	const pub = toPublicError(e);
	const res = couchJson(pub.status, pub.body);
	for (const [k, v] of Object.entries(pub.headers)) res.headers.set(k, v);
	// A body refused as too large may be partly unread: close the connection rather than read the rest.
	if (pub.status === HTTP_PAYLOAD_TOO_LARGE) res.headers.set('connection', 'close');
	return res;
}

/** A store error as the tablet may see it: CouchDB-style, its reason cleaned of the store's address. */
function storeErrorResponse(store: CouchClient, status: number, error: string, reason: string): Response {
	if (!RELAYED_ERROR_STATUSES.has(status)) {
		console.error(`[sync] the store answered ${status} ${store.redact(error)}: ${store.redact(reason)}`);
		return couchJson(HTTP_BAD_GATEWAY, { error: 'bad_gateway', reason: 'The data store could not answer this request' });
	}
	const code = /^[a-z_]{1,64}$/.test(error) ? error : 'error';
	return couchJson(status, { error: code, reason: store.redact(reason).slice(0, MAX_REASON_CHARS) });
}

function parseJsonOrNull(text: string): unknown {
	try {
		return JSON.parse(text) as unknown;
	} catch {
		// Not JSON (a proxy's error page): the caller falls back to a generic reason.
		return null;
	}
}

async function relay(store: CouchClient, upstream: Response): Promise<Response> {
	if (!upstream.ok) {
		const body = parseJsonOrNull(await upstream.text());
		const fields = z.object({ error: z.string(), reason: z.string() }).partial().safeParse(body);
		const { error = 'error', reason = 'the store refused the request' } = fields.success ? fields.data : {};
		return storeErrorResponse(store, upstream.status, error, reason);
	}
	const headers = new Headers({ 'cache-control': 'no-store' });
	for (const name of RELAYED_HEADERS) {
		const value = upstream.headers.get(name);
		if (value) headers.set(name, value);
	}
	// The body streams through: a long poll or continuous feed reaches the tablet as the store writes it,
	// and when the tablet goes away the cancelled stream closes the store connection.
	return new Response(upstream.body, { status: upstream.status, headers });
}

// ---------- store paths ----------

const dbPath = (db: string) => `/${encodeURIComponent(db)}`;
const docPath = (db: string, id: string) => `${dbPath(db)}/${encodeURIComponent(id)}`;
const localPath = (db: string, id: string) => `${dbPath(db)}/_local/${encodeURIComponent(id)}`;
const attachmentPath = (db: string, id: string, name: string) =>
	`${docPath(db, id)}/${name.split('/').map(encodeURIComponent).join('/')}`;

interface Forward {
	method: string;
	path: string;
	query?: URLSearchParams;
	json?: unknown;
	/** Always JSON unless said otherwise: Apache CouchDB answers multipart for open_revs/attachments otherwise. */
	accept?: string;
}

async function forward(call: Call, f: Forward): Promise<Response> {
	const upstream = await call.store.request(f.method, f.path, {
		query: f.query,
		body: f.json === undefined ? undefined : JSON.stringify(f.json),
		headers: {
			accept: f.accept ?? 'application/json',
			...(f.json === undefined ? {} : { 'content-type': 'application/json' })
		},
		signal: call.request.signal
	});
	return relay(call.store, upstream);
}

// ---------- bodies of read requests ----------

const docId = z.string().min(1).max(MAX_DOC_ID_CHARS);
const rev = z.string().regex(REV_RE, 'not a revision id');

const revsDiffBodySchema = z
	.record(docId, z.array(rev).max(MAX_REVS_PER_DOC))
	.refine((r) => Object.keys(r).length <= MAX_READ_ITEMS, `at most ${MAX_READ_ITEMS} documents`);
const bulkGetBodySchema = z.object({
	docs: z.array(z.object({ id: docId, rev: rev.optional(), atts_since: z.array(rev).max(MAX_REVS_PER_DOC).optional() })).max(MAX_READ_ITEMS)
});
const allDocsBodySchema = z.object({ keys: z.array(docId).max(MAX_READ_ITEMS) });
const changesBodySchema = z.object({
	doc_ids: z.array(docId).max(MAX_READ_ITEMS).optional(),
	selector: z.record(z.string(), z.unknown()).optional()
});

async function readBody<T>(call: Call, schema: z.ZodType<T>, maxBytes = MAX_SYNC_READ_BODY_BYTES): Promise<T> {
	const parsed = schema.safeParse(await readJsonBody(call.request, maxBytes));
	if (!parsed.success) throw new BadRequestError(describeZodError(parsed.error));
	return parsed.data;
}

// ---------- protocol steps ----------

const dbInfoSchema = z.object({
	db_name: z.string(),
	doc_count: z.number(),
	doc_del_count: z.number().optional(),
	update_seq: z.union([z.string(), z.number()]),
	purge_seq: z.union([z.string(), z.number()]).optional(),
	instance_start_time: z.string().optional()
});

/**
 * Replication step 1 (PouchDB's setup, CouchDB's replicator alike): GET the database. The crew database is
 * created on first use, so a tablet never needs PUT /<db> (refused). Only the protocol's fields are passed on:
 * the store's adapter and sizes are nobody's business.
 */
async function databaseInfo(call: Call, db: string): Promise<Response> {
	let upstream = await call.store.request('GET', dbPath(db), { signal: call.request.signal });
	if (upstream.status === 404) {
		await upstream.body?.cancel();
		await call.store.db(db).create();
		console.log(`[sync] created the crew database ${db} on first sync`);
		upstream = await call.store.request('GET', dbPath(db), { signal: call.request.signal });
	}
	if (!upstream.ok) return relay(call.store, upstream);
	const info = dbInfoSchema.safeParse(parseJsonOrNull(await upstream.text()));
	if (!info.success) {
		console.error(`[sync] the store's database info did not parse: ${describeZodError(info.error)}`);
		return couchJson(HTTP_BAD_GATEWAY, { error: 'bad_gateway', reason: 'The data store could not answer this request' });
	}
	return couchJson(200, info.data);
}

/** _changes (GET; POST for the _doc_ids/_selector filters), normal, longpoll or continuous, streamed. */
async function changes(call: Call, db: string): Promise<Response> {
	const { query, filter } = vetChangesQuery(call.url.searchParams);
	const path = `${dbPath(db)}/_changes`;
	if (call.method === 'GET') {
		if (filter === '_selector') throw new BadRequestError('the _selector filter takes its selector in a POST body');
		return forward(call, { method: 'GET', path, query });
	}
	if (filter === '_selector' && call.storeKind === 'embedded') {
		// express-pouchdb 4.2 ignores a POSTed selector and looks for a design document "_selector" instead
		// (a confusing 404 "missing"). Apache CouchDB 3 supports it. Crew databases are small: replicate whole.
		throw new BadRequestError('the _selector filter needs Apache CouchDB; the embedded store cannot filter _changes by selector');
	}
	const body = await readBody(call, changesBodySchema);
	let json: Record<string, unknown> = {};
	if (filter === '_doc_ids') {
		if (!body.doc_ids) throw new BadRequestError('the _doc_ids filter needs {"doc_ids": [...]}');
		json = { doc_ids: body.doc_ids };
	} else if (filter === '_selector') {
		if (!body.selector) throw new BadRequestError('the _selector filter needs {"selector": {...}}');
		json = { selector: body.selector };
	}
	return forward(call, { method: 'POST', path, query, json });
}

async function endpoint(call: Call, db: string, name: SyncEndpoint): Promise<Response> {
	const path = `${dbPath(db)}/${name}`;
	const allowed: Record<SyncEndpoint, readonly string[]> = {
		_changes: ['GET', 'POST'],
		_revs_diff: ['POST'],
		_bulk_get: ['POST'],
		_all_docs: ['GET', 'POST'],
		_bulk_docs: ['POST']
	};
	if (!allowed[name].includes(call.method)) throw new ForbiddenError(`${call.method} ${name} is not available through the sync gateway`);
	switch (name) {
		case '_changes':
			return changes(call, db);
		case '_revs_diff':
			return forward(call, { method: 'POST', path, json: await readBody(call, revsDiffBodySchema) });
		case '_bulk_get': {
			const query = vetQuery(call.url.searchParams, BULK_GET_QUERY);
			const body = await readBody(call, bulkGetBodySchema);
			// express-pouchdb 4.2 never answers an empty _bulk_get (the request hung, found by fuzzing); Apache
			// CouchDB answers no results, and so does the gateway without asking.
			if (body.docs.length === 0) return couchJson(200, { results: [] });
			return forward(call, { method: 'POST', path, query, json: body });
		}
		case '_all_docs': {
			const query = vetQuery(call.url.searchParams, ALL_DOCS_QUERY);
			if (call.method === 'GET') return forward(call, { method: 'GET', path, query });
			return forward(call, { method: 'POST', path, query, json: await readBody(call, allDocsBodySchema) });
		}
		case '_bulk_docs':
			return bulkDocs(call, db);
	}
}

/** Replication checkpoints: `_local/<id>` GET, PUT, DELETE (never replicated, never seen by other tablets' data). */
async function localDoc(call: Call, db: string, id: string): Promise<Response> {
	const path = localPath(db, id);
	switch (call.method) {
		case 'GET':
			return forward(call, { method: 'GET', path });
		case 'DELETE':
			return forward(call, { method: 'DELETE', path, query: vetQuery(call.url.searchParams, LOCAL_QUERY) });
		case 'PUT': {
			const body = await readBody(call, z.record(z.string(), z.unknown()), MAX_LOCAL_DOC_BYTES);
			if (body._id !== undefined && body._id !== `_local/${id}`) throw new BadRequestError('the _id in the body is not the one in the path');
			// A checkpoint is plain JSON; attachments on it would only be a way to park bytes in the store.
			const { _attachments: _ignored, ...doc } = body;
			void _ignored;
			return forward(call, { method: 'PUT', path, json: { ...doc, _id: `_local/${id}` } });
		}
		default:
			throw new ForbiddenError(`${call.method} on a checkpoint is not available through the sync gateway`);
	}
}

/**
 * Append-only in the store: a new action's id must not exist yet. A replicator replaying a revision the store
 * already has (same id, same rev) is fine — CouchDB makes that a no-op — so with new_edits=false only ids
 * whose revision is missing are looked up.
 */
async function assertNewActions(call: Call, db: string, docs: readonly VettedAction[], newEdits: boolean): Promise<void> {
	let candidates = docs;
	if (!newEdits) {
		const diff = await call.store.json<Record<string, { missing?: string[] }>>('POST', `${dbPath(db)}/_revs_diff`, {
			body: Object.fromEntries(docs.map((d) => [d.id, [d.rev]])),
			signal: call.request.signal
		});
		candidates = docs.filter((d) => d.rev !== null && (diff[d.id]?.missing ?? []).includes(d.rev));
	}
	if (candidates.length === 0) return;
	const existing = await call.store.json<{ rows: { key: string; error?: string }[] }>('POST', `${dbPath(db)}/_all_docs`, {
		body: { keys: candidates.map((d) => d.id) },
		signal: call.request.signal
	});
	const taken = existing.rows.find((r) => r.error === undefined);
	if (taken) {
		throw new ForbiddenError(`actions are append-only: ${taken.key} already exists${newEdits ? '' : ' with another revision'}`);
	}
}

/** POST _bulk_docs: the replicator's push (new_edits=false with _revisions) or a direct write; all or nothing. */
async function bulkDocs(call: Call, db: string): Promise<Response> {
	const { docs, newEdits } = vetBulkDocs(await readJsonBody(call.request, MAX_SYNC_BODY_BYTES), call.writer);
	if (docs.length === 0) return couchJson(201, []);
	await assertNewActions(call, db, docs, newEdits);
	return forward(call, {
		method: 'POST',
		path: `${dbPath(db)}/_bulk_docs`,
		json: { docs: docs.map((d) => d.doc), new_edits: newEdits }
	});
}

/** PUT /<docid>: PouchDB's put() on the remote; the same rules as _bulk_docs for one document. */
async function putDoc(call: Call, db: string, id: string): Promise<Response> {
	const query = vetQuery(call.url.searchParams, PUT_DOC_QUERY);
	const newEdits = query.get('new_edits') !== 'false';
	const body = await readJsonBody(call.request, MAX_SYNC_BODY_BYTES);
	if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('the document must be a JSON object');
	if ('_id' in body && body._id !== id) throw new BadRequestError('the _id in the body is not the one in the path');
	const vetted = vetActionDoc({ ...body, _id: id }, call.writer, newEdits);
	await assertNewActions(call, db, [vetted], newEdits);
	return forward(call, { method: 'PUT', path: docPath(db, id), query, json: vetted.doc });
}

async function doc(call: Call, db: string, id: string): Promise<Response> {
	switch (call.method) {
		case 'GET':
			return forward(call, { method: 'GET', path: docPath(db, id), query: vetQuery(call.url.searchParams, DOC_QUERY) });
		case 'PUT':
			return putDoc(call, db, id);
		case 'DELETE':
			throw new ForbiddenError(`actions are append-only and orders read-only: ${id} cannot be deleted from a tablet`);
		default:
			throw new ForbiddenError(`${call.method} on a document is not available through the sync gateway`);
	}
}

async function attachment(call: Call, db: string, id: string, name: string): Promise<Response> {
	if (call.method !== 'GET') throw new ForbiddenError('attachments are read-only through the sync gateway; send photos inline with a new action');
	return forward(call, {
		method: 'GET',
		path: attachmentPath(db, id, name),
		query: vetQuery(call.url.searchParams, ATTACHMENT_QUERY),
		accept: '*/*'
	});
}

// ---------- entry ----------

function writerOf(user: SessionUser | null): SyncWriter {
	if (!user) throw new UnauthorizedError();
	if (user.role !== 'crew' || !user.crew) throw new ForbiddenError(`The ${user.role} role has no crew database to sync`);
	return { id: user.id, crew: user.crew };
}

async function dispatch(call: Call): Promise<Response> {
	const target = parseSyncPath(call.url.pathname);
	if (target.kind === 'root') {
		// PouchDB's id() asks the server root for a uuid; without one it names the remote by its URL. Nothing
		// about the store is told.
		if (call.method !== 'GET') throw new ForbiddenError('the sync gateway root is read-only');
		return couchJson(200, { couchdb: 'Welcome', vendor: { name: 'Fieldwork 311 sync gateway' } });
	}
	const own = crewDbName(call.writer.crew);
	if (target.db !== own) throw new ForbiddenError(`${call.writer.id} may sync only ${own}`);
	switch (target.kind) {
		case 'database':
			if (call.method !== 'GET') throw new ForbiddenError('databases are managed by the server, not by tablets');
			return databaseInfo(call, target.db);
		case 'endpoint':
			return endpoint(call, target.db, target.endpoint);
		case 'local':
			return localDoc(call, target.db, target.id);
		case 'doc':
			return doc(call, target.db, target.id);
		case 'attachment':
			return attachment(call, target.db, target.id, target.name);
		case 'special':
			throw new ForbiddenError(`${target.name.slice(0, MAX_DOC_ID_CHARS)} is not available through the sync gateway`);
	}
}

/** Answers one /sync/... request; every error is a CouchDB-style {error, reason}. */
export async function handleSync({ store, storeKind }: SyncStore, req: SyncRequest): Promise<Response> {
	const { request, url, user } = req;
	const isHead = request.method === 'HEAD';
	let res: Response;
	try {
		const writer = writerOf(user);
		res = await dispatch({ store, storeKind, request, url, method: isHead ? 'GET' : request.method, writer });
	} catch (e) {
		if (request.signal.aborted) {
			// The tablet went away (lost signal mid-request): nobody reads this answer.
			return new Response(null, { status: 400 });
		}
		// Refusals are logged (a forged author is worth knowing about); toPublicError logs the unexpected.
		if (e instanceof ForbiddenError && user) console.warn(`[sync] refused ${request.method} ${url.pathname} for ${user.id}: ${e.message}`);
		res = errorResponse(e, store);
	}
	if (!isHead) return res;
	await res.body?.cancel();
	return new Response(null, { status: res.status, headers: res.headers });
}
