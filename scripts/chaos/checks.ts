/**
 * The end-of-run checks of the chaos run, read straight from the store (what the gateway stands in front
 * of) and from the tablets' local databases:
 *  1. every action a tablet created is in its crew database and in the `actions` log, and the master order's
 *     history records it exactly once — applied, a no-op, or a conflict with its conflict document (a
 *     position moves the crew instead and is only logged); no conflict document for an action that was
 *     applied after all;
 *  2. every supervisor action in the log reached its order;
 *  3. no order lost or added, and each crew database holds exactly the orders the projector owes it, at the
 *     master's revision — no order in two crew databases;
 *  4. every tablet's replica equals its crew database: same documents, same revisions, same photo bytes.
 */
import PouchDB from 'pouchdb';
import { conflictDocId, crewDbName, workOrderSchema, type HistoryEntry, type WorkOrder } from '../../src/lib/domain';
import type { CouchClient } from '../../src/lib/server/store/couch-client';
import { ACTIONS_DB, CONFLICTS_DB, ORDERS_DB } from '../../src/lib/server/store/schema';
import { targetCrew, type ProjectionPolicy } from '../../src/lib/server/sync/projector';
import { documentsOf, type CreatedAction, type SimTablet } from './tablet';

/** Details kept per kind of failure (the counts are always complete). */
const MAX_EXAMPLES = 5;

export interface ChaosCounts {
	actionsCreated: number;
	/** Created actions found in the `actions` log (each id once: the log's ids are unique). */
	inLog: number;
	/** Created actions found in their crew's database. */
	inCrewDb: number;
	applied: number;
	noop: number;
	conflicts: number;
	conflictReasons: Record<string, number>;
	/** Position actions (they move the crew's last position; no order records them). */
	positions: number;
	/** Actions an order's history records more than once. */
	duplicates: number;
	/** Actions missing from the log, their crew database or their order's history. */
	missing: number;
	/** Conflict outcomes without a conflict document (the supervisors' inbox would not show them). */
	conflictDocsMissing: number;
	/** Open conflict documents for actions the order applied after all (the inbox shows a false conflict). */
	staleConflicts: number;
	supervisorActions: number;
	/** Supervisor actions in the log that no order's history records. */
	supervisorActionsUnapplied: number;
	ordersBefore: number;
	ordersAfter: number;
	ordersLost: number;
	ordersAdded: number;
	ordersByStatus: Record<string, number>;
	/** Orders held by more than one crew database. */
	ordersInSeveralCrewDbs: number;
	/** Crew-database copies missing, extra or at another revision than the master's. */
	projectionMismatches: number;
	replicas: number;
	replicasConverged: number;
}

export interface CheckResult {
	counts: ChaosCounts;
	failures: string[];
	ok: boolean;
}

export interface CheckInput {
	store: CouchClient;
	/** The store's URL (with credentials), to read crew databases with PouchDB like a replica does. */
	storeUrl: string;
	tablets: readonly SimTablet[];
	crews: readonly string[];
	ordersBefore: ReadonlySet<string>;
	policy: ProjectionPolicy;
}

type MasterOrder = WorkOrder & { _rev: string };

interface Seen {
	entries: number;
	outcome: HistoryEntry['outcome'];
	/** How many times applied_action_ids lists it (1 when the order saw it). */
	ids: number;
}

const bump = (m: Record<string, number>, key: string) => (m[key] = (m[key] ?? 0) + 1);

function example(failures: string[], counts: Map<string, number>, kind: string, detail: string): void {
	const n = (counts.get(kind) ?? 0) + 1;
	counts.set(kind, n);
	if (n <= MAX_EXAMPLES) failures.push(`${kind}: ${detail}`);
}

async function masterOrders(store: CouchClient): Promise<MasterOrder[]> {
	const res = await store.db(ORDERS_DB).allDocs<unknown>({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true });
	return res.rows.map((r) => workOrderSchema.parse(r.doc) as MasterOrder);
}

/** Every action id any order's history records, with how often. */
function historyIndex(orders: readonly MasterOrder[]): Map<string, Seen> {
	const seen = new Map<string, Seen>();
	for (const o of orders) {
		for (const h of o.history) {
			if (!h.action_id) continue;
			const s = seen.get(h.action_id) ?? { entries: 0, outcome: h.outcome, ids: 0 };
			s.entries++;
			s.outcome = h.outcome;
			seen.set(h.action_id, s);
		}
		for (const id of o.applied_action_ids) {
			const s = seen.get(id);
			if (s) s.ids++;
		}
	}
	return seen;
}

async function existing(db: ReturnType<CouchClient['db']>, ids: readonly string[]): Promise<Map<string, unknown>> {
	if (ids.length === 0) return new Map();
	const res = await db.allDocs<unknown>({ keys: ids, include_docs: true });
	return new Map(res.rows.filter((r) => r.value && !r.value.deleted).map((r) => [r.id, r.doc]));
}

/**
 * A cheap look before the full checks (which read every order): how many created actions the runner has
 * not yet taken into the `actions` log. Until that is 0 the full checks cannot pass; reading 5,000 orders
 * every few seconds would only slow down the catching up they wait for.
 */
export async function notYetLogged(store: CouchClient, tablets: readonly SimTablet[]): Promise<number> {
	const ids = tablets.flatMap((t) => t.created.map((a) => `action:${a.id}`));
	return ids.length - (await existing(store.db(ACTIONS_DB), ids)).size;
}

export async function runChecks(input: CheckInput): Promise<CheckResult> {
	const { store, tablets, policy } = input;
	const failures: string[] = [];
	const kinds = new Map<string, number>();
	const created: CreatedAction[] = tablets.flatMap((t) => t.created);
	const orders = await masterOrders(store);
	const seen = historyIndex(orders);
	const actionIds = created.map((a) => `action:${a.id}`);
	const [log, conflicts] = await Promise.all([
		existing(store.db(ACTIONS_DB), actionIds),
		existing(
			store.db(CONFLICTS_DB),
			created.map((a) => conflictDocId(a.id))
		)
	]);
	const crewDocs = new Map<string, Set<string>>();
	for (const crew of input.crews) {
		const res = await store.db(crewDbName(crew)).allDocs({ startkey: 'action:', endkey: 'action:\ufff0' });
		crewDocs.set(crew, new Set(res.rows.map((r) => r.id)));
	}

	const counts: ChaosCounts = {
		actionsCreated: created.length,
		inLog: 0,
		inCrewDb: 0,
		applied: 0,
		noop: 0,
		conflicts: 0,
		conflictReasons: {},
		positions: 0,
		duplicates: 0,
		missing: 0,
		conflictDocsMissing: 0,
		staleConflicts: 0,
		supervisorActions: 0,
		supervisorActionsUnapplied: 0,
		ordersBefore: input.ordersBefore.size,
		ordersAfter: orders.length,
		ordersLost: 0,
		ordersAdded: 0,
		ordersByStatus: {},
		ordersInSeveralCrewDbs: 0,
		projectionMismatches: 0,
		replicas: tablets.length,
		replicasConverged: 0
	};

	// 1. Every tablet action: stored once, decided once.
	for (const a of created) {
		const docId = `action:${a.id}`;
		const inLog = log.has(docId);
		const inCrew = crewDocs.get(a.crew)?.has(docId) ?? false;
		if (inLog) counts.inLog++;
		if (inCrew) counts.inCrewDb++;
		if (!inLog || !inCrew) {
			counts.missing++;
			example(failures, kinds, 'action not stored', `${a.id} (${a.action} by ${a.author}): ${inCrew ? '' : 'not in crew db; '}${inLog ? '' : 'not in the actions log'}`);
			continue;
		}
		if (a.action === 'position') {
			counts.positions++;
			continue;
		}
		const s = seen.get(a.id);
		if (!s) {
			counts.missing++;
			example(failures, kinds, 'action never applied', `${a.id} (${a.action} on ${a.orderId} by ${a.author}): in the log, in no order's history`);
			continue;
		}
		if (s.entries > 1 || s.ids > 1) {
			counts.duplicates++;
			example(failures, kinds, 'action applied twice', `${a.id} (${a.action} on ${a.orderId}): ${s.entries} history entries, listed ${s.ids}× in applied_action_ids`);
		}
		const conflict = conflicts.get(conflictDocId(a.id)) as { state?: string; reason?: string } | undefined;
		if (s.outcome === 'conflict') {
			counts.conflicts++;
			bump(counts.conflictReasons, conflict?.reason ?? 'no conflict document');
			if (!conflict) {
				counts.conflictDocsMissing++;
				example(failures, kinds, 'conflict without inbox entry', `${a.id} (${a.action} on ${a.orderId})`);
			}
		} else {
			if (s.outcome === 'noop') counts.noop++;
			else counts.applied++;
			if (conflict?.state === 'open') {
				counts.staleConflicts++;
				example(failures, kinds, 'open conflict for an applied action', `${a.id} (${a.action} on ${a.orderId}): order says ${s.outcome}, inbox says ${conflict.reason}`);
			}
		}
	}

	// 2. Supervisor actions (crew null) that the log holds: each reached its order.
	const supervisorLog = await store.db(ACTIONS_DB).find<{ id: string; action: string; order_id: string }>({
		selector: { type: 'field_action', crew: null },
		fields: ['id', 'action', 'order_id'],
		limit: 1_000_000
	});
	counts.supervisorActions = supervisorLog.docs.length;
	for (const s of supervisorLog.docs) {
		if (seen.has(s.id)) continue;
		counts.supervisorActionsUnapplied++;
		example(failures, kinds, 'supervisor action logged, never applied', `${s.id} (${s.action} on ${s.order_id})`);
	}

	// 3. Orders: none lost or added; each crew database holds exactly what the projector owes it.
	const after = new Set(orders.map((o) => o._id));
	for (const id of input.ordersBefore) {
		if (after.has(id)) continue;
		counts.ordersLost++;
		example(failures, kinds, 'order lost', id);
	}
	for (const id of after) {
		if (input.ordersBefore.has(id)) continue;
		counts.ordersAdded++;
		example(failures, kinds, 'order added', id);
	}
	for (const o of orders) bump(counts.ordersByStatus, o.status);
	const holders = new Map<string, string[]>();
	for (const crew of input.crews) {
		const owed = new Map(orders.filter((o) => targetCrew(o, policy) === crew).map((o) => [o._id, o._rev]));
		const copies = await store.db(crewDbName(crew)).allDocs<{ source_rev?: string }>({ startkey: 'order:', endkey: 'order:\ufff0', include_docs: true });
		for (const row of copies.rows) {
			holders.set(row.id, [...(holders.get(row.id) ?? []), crew]);
			const rev = owed.get(row.id);
			if (rev === undefined) {
				counts.projectionMismatches++;
				example(failures, kinds, 'copy not owed', `${row.id} in ${crewDbName(crew)}`);
			} else if (row.doc?.source_rev !== rev) {
				counts.projectionMismatches++;
				example(failures, kinds, 'stale copy', `${row.id} in ${crewDbName(crew)}: ${row.doc?.source_rev} vs master ${rev}`);
			}
			owed.delete(row.id);
		}
		for (const id of owed.keys()) {
			counts.projectionMismatches++;
			example(failures, kinds, 'copy missing', `${id} not in ${crewDbName(crew)}`);
		}
	}
	for (const [id, crews] of holders) {
		if (crews.length < 2) continue;
		counts.ordersInSeveralCrewDbs++;
		example(failures, kinds, 'order in several crew databases', `${id}: ${crews.join(', ')}`);
	}

	// 4. Replicas: each tablet's database equals its crew's, document by document.
	const crewSnapshots = new Map<string, Map<string, string>>();
	for (const crew of new Set(tablets.map((t) => t.crew))) {
		const remote = new PouchDB(`${input.storeUrl}/${crewDbName(crew)}`, { skip_setup: true });
		crewSnapshots.set(crew, await documentsOf(remote));
		await remote.close();
	}
	for (const t of tablets) {
		const want = crewSnapshots.get(t.crew)!;
		const have = await t.documents();
		const diffs: string[] = [];
		for (const [id, v] of want) if (have.get(id) !== v) diffs.push(`${id}: ${have.get(id) ?? 'absent'} vs ${v}`);
		for (const id of have.keys()) if (!want.has(id)) diffs.push(`${id}: only on the tablet`);
		if (diffs.length === 0) counts.replicasConverged++;
		else example(failures, kinds, 'replica differs', `${t.name}: ${diffs.length} documents, e.g. ${diffs.slice(0, 2).join('; ')}`);
	}

	for (const [kind, n] of kinds) if (n > MAX_EXAMPLES) failures.push(`${kind}: ${n - MAX_EXAMPLES} more`);
	return { counts, failures, ok: failures.length === 0 };
}
