/// <reference types="pouchdb-browser" />
/**
 * The tablet's local PouchDB: which database, how to open it, and reading it back as parsed documents
 * (replicated documents are a trust boundary: DESIGN.md style 2). The PouchDB constructor is injected —
 * pouchdb-browser (IndexedDB) in the browser, pouchdb (LevelDB) in Node tests — so this module never imports
 * a PouchDB build itself and stays free of Node built-ins.
 */
import { z } from 'zod';
import { CATALOG_DOC_ID, crewCatalogSchema, fieldActionSchema, workOrderSchema, type CrewCatalog, type FieldAction } from '../domain';

export type PouchStatic = PouchDB.Static;
export type LocalDb = PouchDB.Database;

/** How PouchDB's http adapter calls fetch; inject one that adds a Cookie header in Node. */
export type SyncFetch = (url: string | Request, init?: RequestInit) => Promise<Response>;

/**
 * An order as the projector writes it into `crew-<id>`: the work order without the reporter's private data,
 * plus `source_rev`, the master revision it was made from (sent back as an action's `base_rev`).
 */
export const crewOrderSchema = workOrderSchema.omit({ reporter: true }).extend({ source_rev: z.string().nullable().optional() });
export type CrewOrder = z.infer<typeof crewOrderSchema>;

export const ORDER_ID_PREFIX = 'order:';
export const ACTION_ID_PREFIX = 'action:';
/** The highest key of a prefix range in CouchDB collation. */
const RANGE_END = '\ufff0';

/**
 * One local database per crew and user: a shared tablet never mixes two people's unsent work, and signing
 * in as someone else never hands them another user's queue. "@" cannot occur in a crew slug or a username.
 */
export function localDbName(crewId: string, userId: string): string {
	return `fw-crew-${crewId}@${userId}`;
}

/** The gateway URL for a crew database: `sync_path` from /api/auth/login on the app's origin. */
export function remoteUrlFor(origin: string, syncPath: string): string {
	return new URL(syncPath, origin).href;
}

/**
 * Opens (creating if needed) the local database. In the browser pouchdb-browser's default adapter is `idb`
 * (pouchdb-browser 9 bundles only idb, not the newer `indexeddb` adapter); in Node, pouchdb's leveldb.
 */
export function openLocalDb(PouchDB: PouchStatic, name: string): LocalDb {
	return new PouchDB(name);
}

export interface InvalidDoc {
	id: string;
	reason: string;
}

/** Everything the tablet knows, parsed: the input of the pure order view and outbox (order-view.ts). */
export interface LocalSnapshot {
	orders: CrewOrder[];
	actions: FieldAction[];
	/** Action ids known to be on the server: pushed from here, or pulled from it. */
	onServer: ReadonlySet<string>;
	/** Replicated documents that do not parse: shown to support, never acted on. */
	invalid: InvalidDoc[];
	/** The rules to fold pending actions with (written by the server's projector); null until replicated. */
	catalog: CrewCatalog | null;
}

const describe = (e: z.ZodError) => e.issues.map((i) => `${i.path.join('.') || '(document)'}: ${i.message}`).join('; ');

/** Parses rows of local documents; anything that is not a valid order or action goes to `invalid`. */
export function parseLocalDocs(docs: readonly unknown[]): Pick<LocalSnapshot, 'orders' | 'actions' | 'invalid'> {
	const orders: CrewOrder[] = [];
	const actions: FieldAction[] = [];
	const invalid: InvalidDoc[] = [];
	for (const doc of docs) {
		const id = typeof doc === 'object' && doc !== null && '_id' in doc && typeof doc._id === 'string' ? doc._id : '(no _id)';
		if (id.startsWith(ORDER_ID_PREFIX)) {
			const parsed = crewOrderSchema.safeParse(doc);
			if (parsed.success) orders.push(parsed.data);
			else invalid.push({ id, reason: describe(parsed.error) });
		} else if (id.startsWith(ACTION_ID_PREFIX)) {
			const parsed = fieldActionSchema.safeParse(doc);
			if (parsed.success) actions.push(parsed.data);
			else invalid.push({ id, reason: describe(parsed.error) });
		}
	}
	return { orders, actions, invalid };
}

async function docsWithPrefix(db: LocalDb, prefix: string): Promise<unknown[]> {
	// Attachments come as stubs (no photo bytes are read): the views need only their names and types.
	const res = await db.allDocs({ startkey: prefix, endkey: prefix + RANGE_END, include_docs: true });
	return res.rows.map((r) => r.doc).filter((d) => d !== undefined);
}

export async function readLocal(db: LocalDb, onServer: ReadonlySet<string>): Promise<LocalSnapshot> {
	const [orders, actions, catalogDoc] = await Promise.all([
		docsWithPrefix(db, ORDER_ID_PREFIX),
		docsWithPrefix(db, ACTION_ID_PREFIX),
		db.get(CATALOG_DOC_ID).catch((e: unknown) => {
			if (isStatus(e, HTTP_NOT_FOUND)) return null; // not replicated yet
			throw e;
		})
	]);
	const catalog = catalogDoc ? crewCatalogSchema.safeParse(catalogDoc) : null;
	return { ...parseLocalDocs([...orders, ...actions]), onServer, catalog: catalog?.success ? catalog.data : null };
}

/** The ids and revisions of the local action documents (for pruning and reconciling the on-server set). */
export async function localActionRevs(db: LocalDb): Promise<Map<string, string>> {
	const res = await db.allDocs({ startkey: ACTION_ID_PREFIX, endkey: ACTION_ID_PREFIX + RANGE_END });
	return new Map(res.rows.map((r) => [r.id.slice(ACTION_ID_PREFIX.length), r.value.rev]));
}

// ---------- local-only metadata (_local documents never replicate) ----------

/** Action ids known to be on the server (see engine.ts for why this is tracked and how it is repaired). */
export const ON_SERVER_DOC_ID = '_local/fieldwork-on-server';
/** When this database first caught up and last synced. */
export const SYNC_META_DOC_ID = '_local/fieldwork-sync-meta';

const onServerDocSchema = z.object({ ids: z.array(z.string()) });
const syncMetaDocSchema = z.object({ initial_synced_at: z.string().nullable(), last_synced_at: z.string().nullable() });
export type SyncMeta = { initialSyncedAt: string | null; lastSyncedAt: string | null };

const HTTP_NOT_FOUND = 404;
const HTTP_CONFLICT = 409;
const LOCAL_WRITE_ATTEMPTS = 5; // another tab of the app may write the same _local document
const isStatus = (e: unknown, status: number) => typeof e === 'object' && e !== null && 'status' in e && e.status === status;

async function readLocalDoc<T>(db: LocalDb, id: string, schema: z.ZodType<T>): Promise<{ value: T | null; rev: string | undefined }> {
	try {
		const doc = await db.get(id);
		const parsed = schema.safeParse(doc);
		// A damaged metadata document is rebuilt from scratch rather than trusted; the revision is kept to overwrite it.
		return { value: parsed.success ? parsed.data : null, rev: doc._rev };
	} catch (e) {
		if (isStatus(e, HTTP_NOT_FOUND)) return { value: null, rev: undefined };
		throw e;
	}
}

/** Read-modify-write of a _local document, retried when another tab wrote it meanwhile. */
async function updateLocalDoc<T extends object>(db: LocalDb, id: string, schema: z.ZodType<T>, update: (current: T | null) => T): Promise<void> {
	for (let attempt = 1; ; attempt++) {
		const { value, rev } = await readLocalDoc(db, id, schema);
		try {
			await db.put({ ...update(value), _id: id, ...(rev ? { _rev: rev } : {}) });
			return;
		} catch (e) {
			if (!isStatus(e, HTTP_CONFLICT) || attempt >= LOCAL_WRITE_ATTEMPTS) throw e;
		}
	}
}

export async function readOnServerIds(db: LocalDb): Promise<Set<string>> {
	const { value } = await readLocalDoc(db, ON_SERVER_DOC_ID, onServerDocSchema);
	return new Set(value?.ids ?? []);
}

/** Adds ids; drops those in `forget` (actions no longer in the local database). */
export async function saveOnServerIds(db: LocalDb, add: Iterable<string>, forget: ReadonlySet<string> = new Set()): Promise<void> {
	await updateLocalDoc(db, ON_SERVER_DOC_ID, onServerDocSchema, (current) => {
		const ids = new Set(current?.ids ?? []);
		for (const id of add) ids.add(id);
		for (const id of forget) ids.delete(id);
		return { ids: [...ids].sort() };
	});
}

export async function readSyncMeta(db: LocalDb): Promise<SyncMeta> {
	const { value } = await readLocalDoc(db, SYNC_META_DOC_ID, syncMetaDocSchema);
	return { initialSyncedAt: value?.initial_synced_at ?? null, lastSyncedAt: value?.last_synced_at ?? null };
}

const laterOf = (a: string | null | undefined, b: string | null): string | null =>
	a == null ? b : b === null || Date.parse(a) >= Date.parse(b) ? a : b;

/** Saves the times, never moving one back (another tab may have saved a later one). */
export async function saveSyncMeta(db: LocalDb, meta: SyncMeta): Promise<void> {
	await updateLocalDoc(db, SYNC_META_DOC_ID, syncMetaDocSchema, (current) => ({
		initial_synced_at: laterOf(current?.initial_synced_at, meta.initialSyncedAt),
		last_synced_at: laterOf(current?.last_synced_at, meta.lastSyncedAt)
	}));
}
