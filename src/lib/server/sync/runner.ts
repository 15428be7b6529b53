/**
 * The reducer runner (DESIGN.md point 3): takes in every action document tablets wrote into their crew
 * databases and applies it to the master order exactly once with the shared pure reducer.
 *  - exactly once: the order records every action id it has seen (`applied_action_ids`); writes use the
 *    order's revision and retry on 409, so two runners (two app servers) never apply an action twice;
 *  - nothing lost: each action (with its photos) is first copied into the `actions` log, and an action that
 *    cannot be applied cleanly becomes a conflict document (written before the order, same id every time);
 *  - position actions move the crew's last known position instead;
 *  - a supervisor's action is logged, then applied by the request (dispatch.ts); if the server dies between
 *    the two writes, the log holds an action no order has seen: a follower of the log applies it (see
 *    followLoggedActions), so a request the server took in is applied once, whether or not its answer arrived.
 */
import {
	applyPosition,
	apply,
	conflictDocId,
	crewDbName,
	crewDocId,
	crewSchema,
	fieldActionSchema,
	serviceTypeDocId,
	serviceTypeSchema,
	workOrderDocId,
	workOrderSchema,
	type Conflict,
	type FieldAction,
	type Outcome,
	type ReduceContext,
	type WorkOrder
} from '../../domain';
import { listCrews, listDepartments, readOfType } from '../directory';
import { isConflict, type CouchClient } from '../store/couch-client';
import { ACTIONS_DB, CONFLICTS_DB, DIRECTORY_DB, ORDERS_DB } from '../store/schema';
import { follow } from './follow';
import { ensureCrewDatabases } from './projector';

const WRITE_RETRIES = 10;
const CREW_LIST_INTERVAL_MS = 30 * 1000; // new crews are picked up within 30 s
/**
 * How old a logged supervisor action must be before the log follower applies it: the request that logged it
 * applies it within milliseconds, so the follower only steps in for requests that died in between (and does
 * not race every live one for the order's revision).
 */
export const LOGGED_ACTION_GRACE_MS = 10 * 1000; // 10 seconds

export type RunnerOutcome = Outcome | 'position' | 'invalid';

/** A service type for orders whose type is unknown to the directory: nothing closes without review. */
const UNKNOWN_SERVICE_TYPE: ReduceContext['serviceType'] = { resolution_codes: [], requires_after_photo: false };

export interface ReduceContextOptions {
	/** A supervisor accepted the action from the conflict inbox (see ReduceContext.force). */
	force?: boolean;
	/** Every service type too: only re-categorising (set_service_type) needs them. */
	allServiceTypes?: boolean;
}

/** What the reducer needs for one action on an order of `serviceCode`, read from the directory. */
export async function reduceContext(store: CouchClient, serviceCode: string, opts: ReduceContextOptions = {}): Promise<ReduceContext> {
	// All three are shared, cached directory reads (directory.ts), so an action costs the store no read here.
	const [crews, departments, typeDocs] = await Promise.all([listCrews(store), listDepartments(store), readOfType(store, 'service_type')]);
	const types = opts.allServiceTypes ? typeDocs.map((d) => serviceTypeSchema.parse(d)) : null;
	const doc = typeDocs.find((d) => (d as { _id?: string })._id === serviceTypeDocId(serviceCode));
	const parsed = doc ? serviceTypeSchema.safeParse(doc) : null;
	const serviceType = parsed?.success ? parsed.data : undefined;
	return {
		serviceType: serviceType ?? UNKNOWN_SERVICE_TYPE,
		crewIds: crews.map((c) => c.id),
		departmentIds: departments.map((d) => d.id),
		...(types ? { serviceTypes: types } : {}),
		force: opts.force ?? false
	};
}

/** The directory reads an action needs (the whole service type list only for set_service_type). */
export const contextOptionsFor = (action: Pick<FieldAction, 'action'>, force = false): ReduceContextOptions => ({
	force,
	allServiceTypes: action.action === 'set_service_type'
});

/** Copies the action with its attachments into the `actions` log (once; later copies are no-ops). */
async function archive(store: CouchClient, crewId: string, action: FieldAction): Promise<void> {
	const log = store.db(ACTIONS_DB);
	if (await log.getOrNull(action._id)) return;
	const full = action._attachments
		? await store.db(crewDbName(crewId)).get<Record<string, unknown>>(action._id, { attachments: true })
		: action;
	const { _rev: _ignored, ...doc } = full as Record<string, unknown> & { _rev?: string };
	void _ignored;
	try {
		await log.put(doc as { _id: string });
	} catch (e) {
		if (!isConflict(e)) throw e; // another runner archived it first
	}
}

async function movePosition(store: CouchClient, action: FieldAction): Promise<void> {
	if (!action.crew) return;
	const db = store.db(DIRECTORY_DB);
	for (let attempt = 0; attempt < WRITE_RETRIES; attempt++) {
		const crew = crewSchema.parse(await db.get(crewDocId(action.crew)));
		const next = applyPosition(crew, action);
		if (next === crew) return;
		try {
			await db.put(next);
			return;
		} catch (e) {
			if (!isConflict(e)) throw e;
		}
	}
}

function conflictDoc(action: FieldAction, order: WorkOrder | null, reason: Conflict['reason'], message: string, now: string): Conflict {
	return {
		_id: conflictDocId(action.id),
		type: 'conflict',
		action_id: action.id,
		order_id: action.order_id,
		crew: action.crew,
		author: action.author,
		action: action.action,
		device_time: action.device_time,
		reason,
		message,
		order_at_arrival: order
			? { status: order.status, crew: order.crew, updated_datetime: order.updated_datetime, rev: order._rev ?? null }
			: null,
		created_at: now,
		state: 'open',
		resolution: null
	};
}

async function putConflict(store: CouchClient, doc: Conflict): Promise<void> {
	try {
		await store.db(CONFLICTS_DB).put(doc);
	} catch (e) {
		if (!isConflict(e)) throw e; // recorded already (a replay, or another runner)
	}
}

/**
 * Applies one action to its master order; idempotent, safe to run concurrently. `contextFor` lets a caller
 * that already read the directory (a bulk dispatch) hand it over instead of reading it again.
 */
export async function applyAction(
	store: CouchClient,
	action: FieldAction,
	now: () => Date = () => new Date(),
	contextFor: (serviceCode: string) => Promise<ReduceContext> = (code) => reduceContext(store, code, contextOptionsFor(action))
): Promise<Outcome> {
	return (await applyActionTo(store, action, now, contextFor)).outcome;
}

/**
 * applyAction that also answers the order as written (null when it does not exist). `known`: the order as the
 * caller just read it (dispatch checks the action on it first), tried as the base before reading it again —
 * a changed order is a revision conflict, read again and re-decided as always.
 */
export async function applyActionTo(
	store: CouchClient,
	action: FieldAction,
	now: () => Date,
	contextFor: (serviceCode: string) => Promise<ReduceContext>,
	known?: WorkOrder
): Promise<{ outcome: Outcome; order: WorkOrder | null }> {
	const orders = store.db(ORDERS_DB);
	for (let attempt = 0; attempt < WRITE_RETRIES; attempt++) {
		const raw = attempt === 0 && known ? known : await orders.getOrNull<unknown>(workOrderDocId(action.order_id!));
		if (!raw) {
			await putConflict(store, conflictDoc(action, null, 'order_missing', `order ${action.order_id} does not exist`, now().toISOString()));
			return { outcome: 'conflict', order: null };
		}
		const order = workOrderSchema.parse(raw);
		const result = apply(order, action, await contextFor(order.service_code));
		if (result.outcome === 'duplicate') return { outcome: 'duplicate', order };
		if (result.conflict) {
			await putConflict(store, conflictDoc(action, order, result.conflict.reason, result.conflict.message, now().toISOString()));
		}
		try {
			const written = await orders.put(result.order);
			return { outcome: result.outcome, order: { ...result.order, _rev: written.rev } };
		} catch (e) {
			if (!isConflict(e)) throw e; // the order changed meanwhile: read it again and re-decide
		}
	}
	throw new Error(`could not apply action ${action.id} after ${WRITE_RETRIES} attempts (order kept changing)`);
}

/** Takes in one action document from a crew database. */
export async function processAction(store: CouchClient, crewId: string, doc: unknown): Promise<RunnerOutcome> {
	const parsed = fieldActionSchema.safeParse(doc);
	if (!parsed.success) {
		// The gateway only lets valid actions in; anything else was written around it. Keep it out of orders.
		console.error(`[runner] ${crewDbName(crewId)}: invalid action document ${(doc as { _id?: string })._id}; skipped`);
		return 'invalid';
	}
	const action = parsed.data;
	await archive(store, crewId, action);
	if (action.action === 'position') {
		await movePosition(store, action);
		return 'position';
	}
	return applyAction(store, action);
}

/** Follows one crew database until `signal` aborts. */
function followCrew(store: CouchClient, crewId: string, signal: AbortSignal): Promise<void> {
	return follow<unknown>({
		db: store.db(crewDbName(crewId)),
		checkpoint: 'reducer-runner',
		signal,
		onError: (e) => console.error(`[runner] ${crewDbName(crewId)}: batch failed, retrying:`, e),
		handle: async (changes) => {
			for (const change of changes) {
				if (!change.id.startsWith('action:') || change.deleted) continue;
				await processAction(store, crewId, change.doc);
			}
		}
	});
}

/**
 * Takes in one document of the `actions` log: an action without a crew (a supervisor's, the duplicate
 * closer's) that its order has not seen is applied now. Crew actions are applied from the crew databases.
 * 'seen': the order already has it (the normal case: the request applied it).
 */
export async function recoverLoggedAction(store: CouchClient, doc: unknown): Promise<RunnerOutcome | 'seen' | 'skipped'> {
	const parsed = fieldActionSchema.safeParse(doc);
	if (!parsed.success) return 'invalid';
	const action = parsed.data;
	if (action.crew !== null || action.order_id === null) return 'skipped';
	const order = await store.db(ORDERS_DB).getOrNull<{ applied_action_ids?: string[] }>(workOrderDocId(action.order_id));
	if (order?.applied_action_ids?.includes(action.id)) return 'seen';
	const outcome = await applyAction(store, action);
	console.log(`[runner] ${action.action} ${action.id} on ${action.order_id} by ${action.author} was logged but not applied (its request died): ${outcome}`);
	return outcome;
}

const sleepFor = (ms: number, signal: AbortSignal) =>
	new Promise<void>((resolve) => {
		const done = () => {
			clearTimeout(timer);
			signal.removeEventListener('abort', done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal.addEventListener('abort', done, { once: true });
	});

/** Follows the `actions` log (checkpoint `actions/_local/log-recovery`) until `signal` aborts. */
function followLoggedActions(store: CouchClient, signal: AbortSignal, now: () => number = Date.now): Promise<void> {
	return follow<unknown>({
		db: store.db(ACTIONS_DB),
		checkpoint: 'log-recovery',
		signal,
		onError: (e) => console.error('[runner] actions log: batch failed, retrying:', e),
		handle: async (changes) => {
			for (const change of changes) {
				const doc = change.doc as { crew?: unknown; device_time?: unknown } | undefined;
				if (!change.id.startsWith('action:') || change.deleted || !doc || doc.crew !== null) continue;
				// Give the request that logged it time to apply it itself (its time is the server's clock).
				const age = now() - Date.parse(String(doc.device_time));
				if (age < LOGGED_ACTION_GRACE_MS) await sleepFor(LOGGED_ACTION_GRACE_MS - age, signal);
				if (signal.aborted) throw new Error('stopped'); // leave the checkpoint where it is
				await recoverLoggedAction(store, doc);
			}
		}
	});
}

/** Runs the runner over every crew database, picking up new crews, until `signal` aborts. */
export async function runRunner(store: CouchClient, signal: AbortSignal): Promise<void> {
	const followed = new Map<string, Promise<void>>();
	let started = false;
	const recovery = followLoggedActions(store, signal);
	const refresh = async () => {
		const crews = await listCrews(store);
		const added = crews.filter((c) => !followed.has(c.id));
		// A crew added while the app runs: its database and the catalog (every crew database's, which lists the
		// crews) are made now, not at the projector's next sweep. At start the projector's first sweep does that.
		if (added.length > 0 && started) await ensureCrewDatabases(store);
		for (const crew of added) {
			await store.db(crewDbName(crew.id)).create();
			followed.set(crew.id, followCrew(store, crew.id, signal));
		}
		started = true;
	};
	await refresh();
	console.log(`[runner] following ${followed.size} crew databases`);
	const timer = setInterval(() => {
		refresh().catch((e: unknown) => console.error('[runner] listing crews failed:', e));
	}, CREW_LIST_INTERVAL_MS);
	signal.addEventListener('abort', () => clearInterval(timer), { once: true });
	await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
	await Promise.allSettled([...followed.values(), recovery]);
}
