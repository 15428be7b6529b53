/**
 * What a /sync/... path addresses, in CouchDB terms. Pure: no I/O, no authorisation (gateway.ts decides).
 * Works on the raw, still percent-encoded pathname: a document id may contain an encoded "/" (%2F), which
 * must stay inside its segment, as CouchDB reads it.
 */
import { BadRequestError, NotFoundError } from '../errors';

export const SYNC_PREFIX = '/sync';

/** CouchDB's rule for database names (https://docs.couchdb.org/en/stable/api/database/common.html). */
const DB_NAME_RE = /^[a-z][a-z0-9_$()+-]*$/;
const MAX_DB_NAME_CHARS = 238; // CouchDB's limit
export const MAX_DOC_ID_CHARS = 512; // far above any id the app makes (action:<uuid>, order:<64 chars>)

/** The database-level endpoints the replication protocol needs. */
export const SYNC_ENDPOINTS = ['_changes', '_revs_diff', '_bulk_get', '_all_docs', '_bulk_docs'] as const;
export type SyncEndpoint = (typeof SYNC_ENDPOINTS)[number];

export type SyncTarget =
	/** GET /sync/ — PouchDB's `id()` asks the server root for a uuid. */
	| { kind: 'root' }
	| { kind: 'database'; db: string }
	| { kind: 'endpoint'; db: string; endpoint: SyncEndpoint }
	/** A replication checkpoint `_local/<id>` (id without the prefix). */
	| { kind: 'local'; db: string; id: string }
	| { kind: 'doc'; db: string; id: string }
	| { kind: 'attachment'; db: string; id: string; name: string }
	/** Anything else under the database that starts with "_" (design docs, _find, _compact, _security…). */
	| { kind: 'special'; db: string; name: string };

function decodeSegment(segment: string): string {
	try {
		return decodeURIComponent(segment);
	} catch {
		throw new BadRequestError('the path is not valid percent-encoding');
	}
}

function checkDocId(id: string): string {
	if (id.length === 0) throw new NotFoundError('no document id in the path');
	if (id.length > MAX_DOC_ID_CHARS) throw new BadRequestError(`document ids are at most ${MAX_DOC_ID_CHARS} characters`);
	return id;
}

const isEndpoint = (name: string): name is SyncEndpoint => (SYNC_ENDPOINTS as readonly string[]).includes(name);

/** Parses `/sync/<db>/...`; invalid database names and shapeless paths are 404s, as CouchDB answers them. */
export function parseSyncPath(pathname: string): SyncTarget {
	if (pathname !== SYNC_PREFIX && !pathname.startsWith(SYNC_PREFIX + '/')) throw new NotFoundError('not a sync path');
	const rest = pathname.slice(SYNC_PREFIX.length + 1);
	if (rest === '') return { kind: 'root' };

	const [rawDb, ...tail] = rest.split('/');
	const db = decodeSegment(rawDb!);
	if (db.length > MAX_DB_NAME_CHARS || !DB_NAME_RE.test(db)) throw new NotFoundError('no such database');
	// A trailing slash changes nothing: PouchDB asks for the database root as "/sync/<db>/".
	if (tail.length > 0 && tail[tail.length - 1] === '') tail.pop();
	if (tail.length === 0) return { kind: 'database', db };

	const first = decodeSegment(tail[0]!);
	if (first === '') throw new NotFoundError('empty path segment');

	// _local/<id>: PouchDB sends "_local/" + encodeURIComponent(id); an encoded slash means the same.
	if (first === '_local' || first.startsWith('_local/')) {
		const id = first === '_local' ? (tail.length === 2 ? decodeSegment(tail[1]!) : '') : first.slice('_local/'.length);
		if (first !== '_local' && tail.length !== 1) throw new NotFoundError('local documents have no attachments');
		return { kind: 'local', db, id: checkDocId(id) };
	}
	if (first === '_design' || first.startsWith('_design/')) return { kind: 'special', db, name: '_design' };
	if (isEndpoint(first)) {
		if (tail.length !== 1) throw new NotFoundError(`no such path under ${first}`);
		return { kind: 'endpoint', db, endpoint: first };
	}
	if (first.startsWith('_')) return { kind: 'special', db, name: first };

	const id = checkDocId(first);
	if (tail.length === 1) return { kind: 'doc', db, id };
	const name = tail.slice(1).map(decodeSegment).join('/');
	if (name === '') throw new NotFoundError('no attachment name in the path');
	return { kind: 'attachment', db, id, name };
}
