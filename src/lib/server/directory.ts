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
export async function readOfType(store: CouchClient, type: string): Promise<{ type: string }[]> {
	const prefix = `${type}:`;
	const res = await store.db(DIRECTORY_DB).allDocs<{ type?: unknown }>({ startkey: prefix, endkey: `${prefix}\ufff0`, include_docs: true, limit: ALL });
	return res.rows.flatMap((r) => (r.doc && r.doc.type === type ? [r.doc as { type: string }] : []));
}

export const listCrews = (store: CouchClient) => listOfType(store, 'crew', crewSchema);
export const listDepartments = (store: CouchClient) => listOfType(store, 'department', departmentSchema);
export const listServiceTypes = (store: CouchClient) => listOfType(store, 'service_type', serviceTypeSchema);
