/**
 * Browser glue. pouchdb-browser cannot even be imported outside a browser ("self is not defined" during SSR),
 * so it is loaded with a dynamic import when sync starts; importing this file is safe anywhere.
 * pouchdb-browser 9 bundles the `idb` adapter (the default) and imports the `events` package, which must be
 * installed (it is, as a devDependency, and Vite bundles it).
 */
import type { SessionUser } from '../domain';
import { startSync, type SyncHandle } from './engine';
import { localDbName, remoteUrlFor, type PouchStatic } from './local-db';

let pouch: Promise<PouchStatic> | null = null;

export function loadBrowserPouchDB(): Promise<PouchStatic> {
	pouch ??= import('pouchdb-browser').then((m) => m.default);
	return pouch;
}

export interface CrewLogin {
	user: Pick<SessionUser, 'id' | 'role' | 'crew'>;
	/** From /api/auth/login: `/sync/crew-<id>`. */
	sync_path: string | null;
}

export class NoCrewDatabaseError extends Error {
	override name = 'NoCrewDatabaseError';
	constructor() {
		super('Only a crew member has a crew database to sync.');
	}
}

/**
 * Opens the signed-in crew member's local database and starts syncing it with the gateway on this origin
 * (the session cookie goes along: same origin).
 */
export async function startCrewSync(login: CrewLogin, options: { signal?: AbortSignal; origin?: string } = {}): Promise<SyncHandle> {
	const { user, sync_path } = login;
	if (user.role !== 'crew' || !user.crew || !sync_path) throw new NoCrewDatabaseError();
	const PouchDB = await loadBrowserPouchDB();
	return startSync({
		PouchDB,
		name: localDbName(user.crew, user.id),
		remoteUrl: remoteUrlFor(options.origin ?? location.origin, sync_path),
		...(options.signal ? { signal: options.signal } : {})
	});
}

/**
 * Asks the browser not to evict this origin's storage under pressure (unsent work lives there). Resolves with
 * whether storage is persistent; false where the Storage API is missing or the browser says no.
 */
export async function requestPersistentStorage(storage: Pick<StorageManager, 'persist' | 'persisted'> | undefined = globalThis.navigator?.storage): Promise<boolean> {
	if (!storage) return false;
	return (await storage.persisted()) || (await storage.persist());
}
