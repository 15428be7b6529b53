/** Read access to the directory database: users, crews, departments, service types. */
import type { z } from 'zod';
import { crewSchema, departmentSchema, serviceTypeSchema, userDocId, userSchema, type User } from '../domain';
import type { CouchClient } from './store/couch-client';
import { DIRECTORY_DB } from './store/schema';

const ALL = 10_000; // directory lists are small (tens of crews, tens of service types)

export async function getUser(store: CouchClient, id: string): Promise<User | null> {
	const doc = await store.db(DIRECTORY_DB).getOrNull<unknown>(userDocId(id));
	if (!doc) return null;
	const parsed = userSchema.safeParse(doc);
	if (!parsed.success) {
		console.error(`[directory] user document ${id} is invalid; ignoring it`, parsed.error.issues);
		return null;
	}
	return parsed.data;
}

/**
 * Every directory document of `type`, in id order. Each lives at "<type>:<id>" (crewDocId, departmentDocId,
 * serviceTypeDocId, apiKeyDocId; the rest of the server reads them by those ids), so this is an _all_docs
 * range read, not a Mango query: the embedded store answers every query of one index strictly one after
 * the other (PouchDB's per-view task queue), and the runner lists crews and departments for every action it
 * applies, so with many crews acting at once those queries queued for seconds and held up every other
 * caller (the board, dispatch). Range reads run side by side.
 */
export async function listOfType<S extends z.ZodType>(store: CouchClient, type: string, schema: S): Promise<z.infer<S>[]> {
	return (await readOfType(store, type)).map((doc) => schema.parse(doc));
}

/** The raw documents of `type` (at "<type>:<id>"), unchecked: for readers that skip what they cannot use. */
export function readOfType(store: CouchClient, type: string): Promise<{ type: string }[]> {
	return cachedDirectoryRead(store, type, async () => {
		const prefix = `${type}:`;
		const res = await store.db(DIRECTORY_DB).allDocs<{ type?: unknown }>({ startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true, limit: ALL });
		return res.rows.flatMap((r) => (r.doc && r.doc.type === type ? [r.doc as { type: string }] : []));
	});
}

/**
 * How long a directory read is reused. Every action the runner applies, every dispatch, board and summary
 * re-read the same few lists; under load (docs/load.md) each read waits its turn at the store. A write
 * through this process drops the entries it may change at once (CouchClient.writeVersion); a write by another
 * app server or a tool shows within this time, as a deactivated user does in the session cache.
 */
export const DIRECTORY_CACHE_MS = 2000;
const directoryCaches = new WeakMap<CouchClient, Map<string, { version: number; expires: number; value: Promise<unknown> }>>();

/**
 * One read of the directory's documents at "<prefix>:…" (or the document `prefix` itself), shared by callers
 * within DIRECTORY_CACHE_MS unless this process wrote there meanwhile; each caller gets its own copy.
 */
export async function cachedDirectoryRead<T>(store: CouchClient, prefix: string, read: () => Promise<T>, now = Date.now()): Promise<T> {
	let cache = directoryCaches.get(store);
	if (!cache) directoryCaches.set(store, (cache = new Map()));
	const version = store.writeVersion(DIRECTORY_DB, prefix);
	let entry = cache.get(prefix);
	if (!entry || entry.version !== version || entry.expires <= now) {
		const fresh = { version, expires: now + DIRECTORY_CACHE_MS, value: read() as Promise<unknown> };
		cache.set(prefix, fresh);
		fresh.value.catch(() => cache.get(prefix) === fresh && cache.delete(prefix)); // a failed read is not kept
		entry = fresh;
	}
	return structuredClone((await entry.value) as T);
}

export const listCrews = (store: CouchClient) => listOfType(store, 'crew', crewSchema);
export const listDepartments = (store: CouchClient) => listOfType(store, 'department', departmentSchema);
export const listServiceTypes = (store: CouchClient) => listOfType(store, 'service_type', serviceTypeSchema);
