/**
 * Query parameters the gateway forwards to the store, per endpoint: each one known, checked and re-encoded.
 * Parameters not listed are not forwarded (PouchDB adds a cache-busting `_nonce` in some browsers; nothing
 * unknown should reach the store). Pure: no I/O.
 */
import { BadRequestError, ForbiddenError } from '../errors';
import { MAX_DOC_ID_CHARS } from './route';

/** Revision ids: "<generation>-<hash>" ("0-1" style for _local checkpoints). */
export const REV_RE = /^[0-9]{1,10}-[0-9a-zA-Z]{1,64}$/;
const MAX_PARAM_CHARS = 4096; // a CouchDB 3 sequence is a few hundred characters
const MAX_JSON_PARAM_CHARS = 256 * 1024; // a JSON list of MAX_LIST_ITEMS document ids fits
const MAX_LIST_ITEMS = 1000; // doc ids / revisions in one parameter
const MAX_INT_PARAM = 1_000_000_000; // limit, skip, seq_interval, milliseconds: far above any real use

/** _changes heartbeat/timeout bounds: a heartbeat keeps a long poll alive through proxies and idle timeouts. */
export const CHANGES_DEFAULT_HEARTBEAT_MS = 10 * 1000; // 10 seconds, PouchDB's own default
export const CHANGES_MIN_HEARTBEAT_MS = 1000; // 1 second: faster only loads the store
export const CHANGES_MAX_HEARTBEAT_MS = 60 * 1000; // 1 minute
export const CHANGES_MIN_TIMEOUT_MS = 1000; // 1 second
export const CHANGES_MAX_TIMEOUT_MS = 60 * 1000; // 1 minute, CouchDB's own default changes_timeout

/** _changes filters that need no design document (and so no code of the tablet's running on the store). */
export const ALLOWED_CHANGES_FILTERS = ['_doc_ids', '_selector'] as const;
export type ChangesFilter = (typeof ALLOWED_CHANGES_FILTERS)[number];

type Check = (value: string, name: string) => string;

const bad = (name: string, what: string) => new BadRequestError(`query parameter ${name}: ${what}`);

const bool: Check = (v, name) => {
	if (v !== 'true' && v !== 'false') throw bad(name, 'use true or false');
	return v;
};

const nonNegativeInt: Check = (v, name) => {
	if (!/^[0-9]{1,10}$/.test(v) || Number(v) > MAX_INT_PARAM) throw bad(name, 'use a whole number');
	return v;
};

const rev: Check = (v, name) => {
	if (!REV_RE.test(v)) throw bad(name, 'not a revision id');
	return v;
};

/** Free text (sequences, which are opaque on CouchDB 3): bounded, no control characters. */
const text: Check = (v, name) => {
	// eslint-disable-next-line no-control-regex -- the point is to refuse control characters
	if (v.length > MAX_PARAM_CHARS || /[\u0000-\u001f\u007f]/.test(v)) throw bad(name, 'too long or has control characters');
	return v;
};

function parseJsonParam(v: string, name: string): unknown {
	if (v.length > MAX_JSON_PARAM_CHARS) throw bad(name, 'too long');
	try {
		return JSON.parse(v) as unknown;
	} catch {
		throw bad(name, 'not valid JSON');
	}
}

const isDocId = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_DOC_ID_CHARS;

/** A JSON-encoded document id (key, startkey, endkey of _all_docs). */
const jsonDocId: Check = (v, name) => {
	const parsed = parseJsonParam(v, name);
	if (!isDocId(parsed)) throw bad(name, 'a JSON string (a document id)');
	return JSON.stringify(parsed);
};

const jsonList =
	(item: (x: unknown) => boolean, what: string): Check =>
	(v, name) => {
		const parsed = parseJsonParam(v, name);
		if (!Array.isArray(parsed) || parsed.length > MAX_LIST_ITEMS || !parsed.every(item)) throw bad(name, `a JSON array of ${what}`);
		return JSON.stringify(parsed);
	};

const jsonDocIds = jsonList(isDocId, 'document ids');
const jsonRevs = jsonList((x) => typeof x === 'string' && REV_RE.test(x), 'revision ids');

/** open_revs: "all" or a JSON array of revisions (the replicator's per-document fetch). */
const openRevs: Check = (v, name) => (v === 'all' ? v : jsonRevs(v, name));

const oneOf =
	(allowed: readonly string[]): Check =>
	(v, name) => {
		if (!allowed.includes(v)) throw bad(name, `use one of ${allowed.join(', ')}`);
		return v;
	};

const clampedMs =
	(min: number, max: number, allowTrue: boolean): Check =>
	(v, name) => {
		if (allowTrue && v === 'true') return String(CHANGES_DEFAULT_HEARTBEAT_MS);
		return String(Math.min(max, Math.max(min, Number(nonNegativeInt(v, name)))));
	};

const filter: Check = (v) => {
	if (!(ALLOWED_CHANGES_FILTERS as readonly string[]).includes(v)) {
		throw new ForbiddenError(`only the ${ALLOWED_CHANGES_FILTERS.join(' and ')} filters are available through the sync gateway`);
	}
	return v;
};

type Spec = Readonly<Record<string, Check>>;

/** GET /<docid>: what PouchDB's get and the replicator's open_revs fetch use. */
export const DOC_QUERY: Spec = {
	rev,
	revs: bool,
	revs_info: bool,
	open_revs: openRevs,
	latest: bool,
	attachments: bool,
	att_encoding_info: bool,
	atts_since: jsonRevs,
	conflicts: bool,
	deleted_conflicts: bool,
	local_seq: bool,
	meta: bool
};

export const ATTACHMENT_QUERY: Spec = { rev };

/** DELETE /_local/<id>?rev=0-N */
export const LOCAL_QUERY: Spec = { rev };

/** PUT /<docid>: only new_edits (false when a replicator writes a revision it already has). */
export const PUT_DOC_QUERY: Spec = { new_edits: bool };

export const CHANGES_QUERY: Spec = {
	feed: oneOf(['normal', 'longpoll', 'continuous']),
	since: text,
	limit: nonNegativeInt,
	style: oneOf(['main_only', 'all_docs']),
	heartbeat: clampedMs(CHANGES_MIN_HEARTBEAT_MS, CHANGES_MAX_HEARTBEAT_MS, true),
	timeout: clampedMs(CHANGES_MIN_TIMEOUT_MS, CHANGES_MAX_TIMEOUT_MS, false),
	include_docs: bool,
	attachments: bool,
	att_encoding_info: bool,
	conflicts: bool,
	descending: bool,
	seq_interval: nonNegativeInt,
	filter,
	doc_ids: jsonDocIds
};

export const BULK_GET_QUERY: Spec = { revs: bool, attachments: bool, latest: bool, att_encoding_info: bool };

export const ALL_DOCS_QUERY: Spec = {
	conflicts: bool,
	descending: bool,
	include_docs: bool,
	attachments: bool,
	att_encoding_info: bool,
	inclusive_end: bool,
	update_seq: bool,
	limit: nonNegativeInt,
	skip: nonNegativeInt,
	key: jsonDocId,
	keys: jsonDocIds,
	startkey: jsonDocId,
	start_key: jsonDocId,
	endkey: jsonDocId,
	end_key: jsonDocId,
	startkey_docid: text,
	endkey_docid: text
};

/** The vetted parameters to forward; a bad value is a 400 (a forbidden filter a 403). */
export function vetQuery(search: URLSearchParams, spec: Spec): URLSearchParams {
	const out = new URLSearchParams();
	for (const [name, value] of search) {
		const check = Object.hasOwn(spec, name) ? spec[name] : undefined;
		if (!check) continue; // unknown: not forwarded (see the header comment)
		if (out.has(name)) throw bad(name, 'given twice');
		out.set(name, check(value, name));
	}
	return out;
}

/**
 * _changes: a long poll or continuous feed without heartbeat or timeout gets a heartbeat, so idle timeouts
 * (proxies, the store client's) never cut it; CouchDB ignores timeout when a heartbeat is given.
 */
export function vetChangesQuery(search: URLSearchParams): { query: URLSearchParams; filter: ChangesFilter | null; live: boolean } {
	const query = vetQuery(search, CHANGES_QUERY);
	const live = query.get('feed') === 'longpoll' || query.get('feed') === 'continuous';
	if (live && !query.has('heartbeat') && !query.has('timeout')) query.set('heartbeat', String(CHANGES_DEFAULT_HEARTBEAT_MS));
	return { query, filter: (query.get('filter') as ChangesFilter | null) ?? null, live };
}
