/**
 * The one CouchDB HTTP API client used by all server code (DESIGN.md point 1). It speaks only the
 * documented CouchDB API, so the embedded store (express-pouchdb) and Apache CouchDB 3 are interchangeable.
 */
import { StoreUnavailableError } from '../errors';

export class CouchError extends Error {
	override name = 'CouchError';
	constructor(
		readonly status: number,
		readonly error: string,
		readonly reason: string,
		readonly path: string
	) {
		super(`${status} ${error}: ${reason} (${path})`);
	}
}

export const isNotFound = (e: unknown) => e instanceof CouchError && e.status === 404;
export const isConflict = (e: unknown) => e instanceof CouchError && e.status === 409;

type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export interface RequestOptions {
	/** A Query is encoded here; URLSearchParams go as they are (the sync gateway forwards vetted, already-encoded values). */
	query?: Query | URLSearchParams;
	body?: unknown;
	headers?: Record<string, string>;
	signal?: AbortSignal;
}

export interface DocResult {
	id: string;
	rev?: string;
	ok?: boolean;
	error?: string;
	reason?: string;
}

export interface AllDocsResponse<T> {
	total_rows: number;
	offset: number;
	rows: { id: string; key: string; value: { rev: string; deleted?: boolean }; doc?: T | null }[];
}

export interface FindResponse<T> {
	docs: T[];
	bookmark?: string;
	warning?: string;
}

export interface ChangesResponse<T = unknown> {
	results: { seq: string | number; id: string; changes: { rev: string }[]; deleted?: boolean; doc?: T }[];
	last_seq: string | number;
	pending?: number;
}

export interface MangoIndex {
	index: { fields: (string | Record<string, 'asc' | 'desc'>)[]; partial_filter_selector?: Record<string, unknown> };
	ddoc: string;
	name: string;
	type?: 'json';
}

/** Splits user:password out of the URL: fetch refuses URLs that carry credentials. */
function parseBaseUrl(raw: string): { base: string; authorization: string | null; secrets: string[] } {
	const url = new URL(raw);
	const rawPassword = url.password;
	const password = decodeURIComponent(rawPassword);
	const authorization =
		url.username || url.password
			? 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${password}`).toString('base64')
			: null;
	url.username = '';
	url.password = '';
	const base = url.toString().replace(/\/+$/, '');
	// Longest first, so the full URL is replaced before its host part.
	const secrets = [raw, base, url.host, password, rawPassword, authorization?.slice('Basic '.length) ?? '']
		.filter((s) => s.length > 0)
		.sort((a, b) => b.length - a.length);
	return { base, authorization, secrets };
}

function encodeQuery(query: Query | URLSearchParams | undefined): string {
	if (!query) return '';
	if (query instanceof URLSearchParams) {
		const raw = query.toString();
		return raw ? `?${raw}` : '';
	}
	const params = new URLSearchParams();
	for (const [k, v] of Object.entries(query)) {
		if (v === undefined || v === null) continue;
		// CouchDB expects JSON for keys and arrays; plain strings for feed/style/since-like values.
		const jsonValued = ['key', 'keys', 'startkey', 'endkey', 'start_key', 'end_key', 'open_revs'].includes(k);
		params.set(k, jsonValued || Array.isArray(v) ? JSON.stringify(v) : String(v));
	}
	const s = params.toString();
	return s ? `?${s}` : '';
}

/** POST endpoints that only read: they change nothing a cache of reads holds. */
const READ_ONLY_POSTS = new Set(['_find', '_explain', '_all_docs', '_bulk_get', '_revs_diff', '_changes']);

export class CouchClient {
	readonly base: string;
	readonly #authorization: string | null;
	readonly #secrets: readonly string[];
	/** Writes sent through this client, per database ("db") and per document-id prefix ("db\0crew"). */
	readonly #writes = new Map<string, number>();

	constructor(url: string) {
		const { base, authorization, secrets } = parseBaseUrl(url);
		this.base = base;
		this.#authorization = authorization;
		this.#secrets = secrets;
	}

	/**
	 * Text that may reach a client (a store error's reason) without the store's address or credentials:
	 * the sync gateway passes store errors on, and the store must stay invisible from the network.
	 */
	redact(text: string): string {
		return this.#secrets.reduce((out, secret) => out.split(secret).join('[store]'), text);
	}

	/**
	 * How many writes this client has sent that may have changed `db`'s documents whose ids start with
	 * "<prefix>:" (a write to the database as a whole counts for every prefix). A cache of reads compares it
	 * before and after: a write through this process is seen at once (read-your-writes); writes by other
	 * processes only when the cache entry expires.
	 */
	writeVersion(db: string, prefix: string): number {
		return (this.#writes.get(db) ?? 0) + (this.#writes.get(`${db}\0${prefix}`) ?? 0);
	}

	#noteWrite(method: string, path: string): void {
		if (method === 'GET' || method === 'HEAD') return;
		const [, dbPart, docPart] = path.split('/');
		if (!dbPart) return;
		const db = decodeURIComponent(dbPart);
		if (docPart === '_local') return; // checkpoints: not in any read of documents
		if (method === 'POST' && docPart !== undefined && READ_ONLY_POSTS.has(docPart)) return;
		const docId = docPart && !docPart.startsWith('_') ? decodeURIComponent(docPart) : null;
		const key = docId !== null && docId.includes(':') ? `${db}\0${docId.slice(0, docId.indexOf(':'))}` : db;
		this.#writes.set(key, (this.#writes.get(key) ?? 0) + 1);
	}

	/** A URL safe to print in logs (no credentials). */
	get displayUrl(): string {
		return this.base;
	}

	/** Raw request; network failures become StoreUnavailableError. */
	async request(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
		// identity: the embedded store (express-pouchdb's compression middleware) would gzip every answer over
		// 1 KB on loopback for this process to gunzip — CPU on both ends for nothing (docs/load.md).
		const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'identity', ...opts.headers };
		if (this.#authorization) headers.authorization = this.#authorization;
		let body: BodyInit | undefined;
		if (opts.body !== undefined) {
			if (typeof opts.body === 'string' || opts.body instanceof Uint8Array) {
				body = opts.body as BodyInit;
			} else {
				body = JSON.stringify(opts.body);
				headers['content-type'] ??= 'application/json';
			}
		}
		// Noted when the write is sent and again when it is answered: a read that overlapped it is not cached.
		this.#noteWrite(method, path);
		try {
			return await fetch(`${this.base}${path}${encodeQuery(opts.query)}`, {
				method,
				headers,
				body,
				signal: opts.signal
			});
		} catch (error) {
			if (opts.signal?.aborted) throw error;
			throw new StoreUnavailableError(`store not reachable at ${this.base}: ${(error as Error).cause ?? (error as Error).message}`);
		} finally {
			this.#noteWrite(method, path);
		}
	}

	async json<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
		const res = await this.request(method, path, opts);
		const text = await res.text();
		let parsed: unknown = null;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			throw new CouchError(res.status, 'bad_response', `store answered non-JSON: ${text.slice(0, 120)}`, path);
		}
		if (!res.ok) {
			const body = (parsed ?? {}) as { error?: string; reason?: string };
			throw new CouchError(res.status, body.error ?? 'error', body.reason ?? res.statusText, path);
		}
		return parsed as T;
	}

	/** GET / — the server's welcome; throws StoreUnavailableError when it can't be reached. */
	ping(signal?: AbortSignal): Promise<Record<string, unknown>> {
		return this.json('GET', '/', { signal });
	}

	allDbs(): Promise<string[]> {
		return this.json('GET', '/_all_dbs');
	}

	db(name: string): CouchDatabase {
		return new CouchDatabase(this, name);
	}
}

export class CouchDatabase {
	readonly #path: string;
	constructor(
		readonly client: CouchClient,
		readonly name: string
	) {
		this.#path = `/${encodeURIComponent(name)}`;
	}

	private docPath(id: string): string {
		// Design and local docs keep their slash; everything else is one path segment.
		const m = /^(_design|_local)\/(.+)$/.exec(id);
		return m ? `${this.#path}/${m[1]}/${encodeURIComponent(m[2]!)}` : `${this.#path}/${encodeURIComponent(id)}`;
	}

	/** Creates the database; an existing one is fine (idempotent start-up). */
	async create(): Promise<void> {
		try {
			await this.client.json('PUT', this.#path);
		} catch (e) {
			if (!(e instanceof CouchError && e.status === 412)) throw e;
		}
	}

	async destroy(): Promise<void> {
		try {
			await this.client.json('DELETE', this.#path);
		} catch (e) {
			if (!isNotFound(e)) throw e;
		}
	}

	info(): Promise<{ db_name: string; doc_count: number; update_seq: string | number }> {
		return this.client.json('GET', this.#path);
	}

	get<T>(id: string, query?: Query): Promise<T> {
		return this.client.json<T>('GET', this.docPath(id), { query });
	}

	async getOrNull<T>(id: string, query?: Query): Promise<T | null> {
		try {
			return await this.get<T>(id, query);
		} catch (e) {
			if (isNotFound(e)) return null;
			throw e;
		}
	}

	put<D extends { _id: string; _rev?: string }>(doc: D): Promise<{ ok: boolean; id: string; rev: string }> {
		return this.client.json('PUT', this.docPath(doc._id), { body: doc });
	}

	/** An attachment's bytes and type, or null when the document or attachment does not exist. */
	async attachment(id: string, name: string): Promise<{ contentType: string; bytes: Uint8Array } | null> {
		const path = `${this.docPath(id)}/${encodeURIComponent(name)}`;
		const res = await this.client.request('GET', path, { headers: { accept: '*/*' } });
		if (res.status === 404) return null;
		if (!res.ok) throw new CouchError(res.status, 'error', `attachment answered ${res.status}`, path);
		return { contentType: res.headers.get('content-type') ?? 'application/octet-stream', bytes: new Uint8Array(await res.arrayBuffer()) };
	}

	remove(id: string, rev: string): Promise<{ ok: boolean; id: string; rev: string }> {
		return this.client.json('DELETE', this.docPath(id), { query: { rev } });
	}

	bulkDocs(docs: readonly object[], opts: { new_edits?: boolean } = {}): Promise<DocResult[]> {
		return this.client.json('POST', `${this.#path}/_bulk_docs`, { body: { docs, ...opts } });
	}

	allDocs<T>(query: Query & { keys?: readonly string[] } = {}): Promise<AllDocsResponse<T>> {
		const { keys, ...rest } = query;
		if (keys) return this.client.json('POST', `${this.#path}/_all_docs`, { query: rest, body: { keys } });
		return this.client.json('GET', `${this.#path}/_all_docs`, { query: rest });
	}

	find<T>(body: {
		selector: Record<string, unknown>;
		fields?: string[];
		sort?: Record<string, 'asc' | 'desc'>[];
		limit?: number;
		skip?: number;
		bookmark?: string;
		use_index?: string | [string, string];
	}): Promise<FindResponse<T>> {
		return this.client.json('POST', `${this.#path}/_find`, { body: body });
	}

	/** Rows of a map/reduce view; `keys` asks for several keys in one request (POST). */
	view<V = unknown, D = unknown>(
		ddoc: string,
		name: string,
		query: Query & { keys?: readonly unknown[] } = {}
	): Promise<{ rows: { id: string; key: unknown; value: V; doc?: D }[] }> {
		const { keys, ...rest } = query;
		const path = `${this.#path}/_design/${encodeURIComponent(ddoc)}/_view/${encodeURIComponent(name)}`;
		if (keys) return this.client.json('POST', path, { query: rest, body: { keys } });
		return this.client.json('GET', path, { query: rest });
	}

	createIndex(index: MangoIndex): Promise<{ result: string }> {
		return this.client.json('POST', `${this.#path}/_index`, { body: { type: 'json', ...index } });
	}

	changes<T>(query: Query, signal?: AbortSignal): Promise<ChangesResponse<T>> {
		return this.client.json('GET', `${this.#path}/_changes`, { query, signal });
	}
}
