/**
 * The projector (DESIGN.md point 2): keeps one database per crew, `crew-<id>`, holding exactly the orders
 * assigned to that crew — open ones, and closed ones for CLOSED_WINDOW_DAYS — without the reporter's
 * private contact data. It follows the master database's changes; when an order moves to another crew it is
 * deleted from the old crew's database (an ordinary deletion that replicates to the tablet) and written to
 * the new one. Idempotent: a projected copy carries its master revision (`source_rev`) and is rewritten
 * only when that changes, so several app servers can run it at once.
 */
import {
	CATALOG_DOC_ID,
	crewCatalogSchema,
	crewDbName,
	crewDocId,
	toCrewWorkOrder,
	workOrderSchema,
	type CrewCatalog,
	type CrewWorkOrder,
	type WorkOrder
} from '../../domain';
import { listCrews, listDepartments, listServiceTypes } from '../directory';
import { isConflict, isNotFound, type CouchClient } from '../store/couch-client';
import { ACTIONS_DB, DIRECTORY_DB, ORDERS_DB } from '../store/schema';
import { follow, type Change } from './follow';

const MS_PER_DAY = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 10 * 60 * 1000; // 10 minutes: closed orders age out of crew databases
const WRITE_RETRIES = 5;

/** What a crew's tablet stores for an order. */
export type ProjectedOrder = Omit<CrewWorkOrder, '_rev'> & { _rev?: string; source_rev: string };

export interface ProjectionPolicy {
	closedWindowMs: number;
	now(): number;
}

export const policyFromDays = (days: number, now: () => number = Date.now): ProjectionPolicy => ({
	closedWindowMs: days * MS_PER_DAY,
	now
});

/** The crew database an order belongs in right now, or null. */
export function targetCrew(order: WorkOrder, policy: ProjectionPolicy): string | null {
	if (!order.crew) return null;
	if (order.status !== 'closed') return order.crew;
	const closedAt = Date.parse(order.closed_datetime ?? order.updated_datetime);
	return policy.now() - closedAt <= policy.closedWindowMs ? order.crew : null;
}

export function projectOrder(order: WorkOrder & { _rev: string }): ProjectedOrder {
	const { _rev: sourceRev, ...rest } = toCrewWorkOrder(order);
	return { ...rest, source_rev: sourceRev! };
}

/** Puts (or removes) one order in every crew database it has been or should be in. */
export async function syncOrder(store: CouchClient, order: WorkOrder & { _rev: string }, policy: ProjectionPolicy): Promise<void> {
	const target = targetCrew(order, policy);
	const crews = new Set<string>(order.assignments.map((a) => a.crew).filter((c): c is string => c !== null));
	if (order.crew) crews.add(order.crew);
	for (const crew of crews) {
		const db = store.db(crewDbName(crew));
		let created = false;
		for (let attempt = 0; attempt < WRITE_RETRIES; attempt++) {
			try {
				const existing = await db.getOrNull<ProjectedOrder>(order._id);
				if (crew === target) {
					if (existing?.source_rev === order._rev) break;
					// Never move a copy back to an older master revision (two projectors racing).
					if (existing && revGeneration(existing.source_rev) > revGeneration(order._rev)) break;
					await db.put({ ...projectOrder(order), ...(existing?._rev ? { _rev: existing._rev } : {}) });
				} else if (existing?._rev) {
					await db.remove(existing._id, existing._rev);
				}
				break;
			} catch (e) {
				if (isConflict(e)) continue; // another projector wrote meanwhile: re-read and decide again
				if (isNotFound(e) && crew === target && !created && (await crewExists(store, crew))) {
					// A crew added to the directory since the databases were made: make its database (with the
					// catalog) now rather than leave its first orders out until the next sweep.
					await ensureCrewDatabases(store);
					created = true;
					continue;
				}
				if (isNotFound(e)) break; // the crew's database is gone (crew removed)
				throw e;
			}
		}
	}
}

const crewExists = async (store: CouchClient, crew: string) => (await store.db(DIRECTORY_DB).getOrNull(crewDocId(crew))) !== null;

const revGeneration = (rev: string) => Number.parseInt(rev.split('-')[0] ?? '0', 10);

/** The rules tablets fold pending actions with (domain/catalog.ts), from the directory. */
export async function buildCatalog(store: CouchClient, now: Date): Promise<CrewCatalog> {
	const [crews, departments, types] = await Promise.all([listCrews(store), listDepartments(store), listServiceTypes(store)]);
	return crewCatalogSchema.parse({
		_id: CATALOG_DOC_ID,
		type: 'catalog',
		service_types: types.map((t) => ({
			service_code: t.service_code,
			service_name: t.service_name,
			requires_after_photo: t.requires_after_photo,
			resolution_codes: t.resolution_codes,
			service_minutes: t.service_minutes
		})),
		crews: crews.map((c) => ({ id: c.id, name: c.name, department: c.department })),
		departments: departments.map((d) => ({ id: d.id, name: d.name })),
		updated_at: now.toISOString()
	});
}

const sameRules = (a: CrewCatalog, b: CrewCatalog) =>
	JSON.stringify({ ...a, _rev: undefined, updated_at: undefined }) === JSON.stringify({ ...b, _rev: undefined, updated_at: undefined });

/** Creates the crew databases and writes the current catalog into each (only when the rules changed). */
export async function ensureCrewDatabases(store: CouchClient, now: Date = new Date()): Promise<string[]> {
	const crews = await listCrews(store);
	const catalog = await buildCatalog(store, now);
	for (const c of crews) {
		const db = store.db(crewDbName(c.id));
		await db.create();
		const existing = await db.getOrNull<CrewCatalog>(CATALOG_DOC_ID);
		if (existing && sameRules(existing, catalog)) continue;
		try {
			await db.put({ ...catalog, ...(existing?._rev ? { _rev: existing._rev } : {}) });
		} catch (e) {
			ignoreConflict(e); // another server wrote the same catalog meanwhile
		}
	}
	return crews.map((c) => c.id);
}

/**
 * Makes every crew database match the master: removes copies that no longer belong (reassigned while this
 * process was down, or closed longer ago than the window) and refreshes stale ones.
 */
export async function sweep(store: CouchClient, policy: ProjectionPolicy): Promise<{ removed: number; refreshed: number; purged: number }> {
	const crewIds = await ensureCrewDatabases(store);
	const counts = { removed: 0, refreshed: 0, purged: 0 };
	for (const crew of crewIds) {
		const db = store.db(crewDbName(crew));
		counts.purged += await purgeOldActions(store, crew, policy);
		const copies = await db.allDocs<ProjectedOrder>({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true });
		for (const row of copies.rows) {
			const copy = row.doc;
			if (!copy) continue;
			const master = await store.db(ORDERS_DB).getOrNull<unknown>(copy._id);
			const parsed = master ? workOrderSchema.safeParse(master) : null;
			if (!parsed?.success || targetCrew(parsed.data, policy) !== crew) {
				if (copy._rev) await db.remove(copy._id, copy._rev).catch((e: unknown) => ignoreConflict(e));
				counts.removed++;
			} else if (copy.source_rev !== parsed.data._rev) {
				await syncOrder(store, parsed.data as WorkOrder & { _rev: string }, policy);
				counts.refreshed++;
			}
		}
	}
	return counts;
}

/**
 * Keeps crew databases small: an action document older than the closed window that the runner has already
 * taken into the `actions` log (with its photos) is deleted from the crew database; the deletion replicates
 * to the tablets. Actions not yet in the log are never touched, so nothing unapplied is lost.
 */
async function purgeOldActions(store: CouchClient, crew: string, policy: ProjectionPolicy): Promise<number> {
	const db = store.db(crewDbName(crew));
	const cutoff = policy.now() - policy.closedWindowMs;
	const rows = (await db.allDocs<{ _id: string; _rev: string; device_time?: string }>({ startkey: 'action:', endkey: 'action:\ufff0', include_docs: true })).rows;
	const old = rows.map((r) => r.doc).filter((d): d is { _id: string; _rev: string; device_time: string } => !!d?.device_time && Date.parse(d.device_time) < cutoff);
	if (old.length === 0) return 0;
	const archived = await store.db(ACTIONS_DB).allDocs({ keys: old.map((d) => d._id) });
	const inLog = new Set(archived.rows.filter((r) => r.value && !r.value.deleted).map((r) => r.id));
	const purge = old.filter((d) => inLog.has(d._id)).map((d) => ({ _id: d._id, _rev: d._rev, _deleted: true }));
	if (purge.length > 0) await db.bulkDocs(purge);
	return purge.length;
}

function ignoreConflict(e: unknown): void {
	// Someone else changed or removed the copy meanwhile; the next sweep looks again.
	if (!isConflict(e) && !isNotFound(e)) throw e;
}

/** Runs the projector until `signal` aborts: an initial sweep, then the master's changes, then sweeps. */
export async function runProjector(store: CouchClient, policy: ProjectionPolicy, signal: AbortSignal): Promise<void> {
	const log = (msg: string) => console.log(`[projector] ${msg}`);
	const swept = await sweep(store, policy);
	log(`crew databases checked: ${swept.removed} stale copies removed, ${swept.refreshed} refreshed, ${swept.purged} old actions purged`);
	const timer = setInterval(() => {
		sweep(store, policy).catch((e: unknown) => console.error('[projector] sweep failed:', e));
	}, SWEEP_INTERVAL_MS);
	signal.addEventListener('abort', () => clearInterval(timer), { once: true });
	await follow<unknown>({
		db: store.db(ORDERS_DB),
		checkpoint: 'projector',
		signal,
		onError: (e) => console.error('[projector] batch failed, retrying:', e),
		handle: async (changes: Change<unknown>[]) => {
			for (const change of changes) {
				if (!change.id.startsWith('order:') || change.deleted) continue;
				const parsed = workOrderSchema.safeParse(change.doc);
				if (!parsed.success || !parsed.data._rev) {
					console.error(`[projector] ${change.id} is not a valid work order; not projected`);
					continue;
				}
				await syncOrder(store, parsed.data as WorkOrder & { _rev: string }, policy);
			}
		}
	});
}
