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

export async function listOfType<S extends z.ZodType>(store: CouchClient, type: string, schema: S): Promise<z.infer<S>[]> {
	const res = await store.db(DIRECTORY_DB).find<unknown>({ selector: { type }, limit: ALL });
	return res.docs.map((d) => schema.parse(d));
}

export const listCrews = (store: CouchClient) => listOfType(store, 'crew', crewSchema);
export const listDepartments = (store: CouchClient) => listOfType(store, 'department', departmentSchema);
export const listServiceTypes = (store: CouchClient) => listOfType(store, 'service_type', serviceTypeSchema);
