/**
 * The sync engine: live two-way replication of the crew's local database with `<origin>/sync/crew-<id>`
 * (DESIGN.md points 2–5), the sync status, and the local snapshot the order view and outbox are derived from.
 *
 * - push (tablet → server): only action documents, in small batches (photos are up to 2 MB each);
 * - pull (server → tablet): the crew's orders (and deletions of those reassigned away or aged out), and
 *   actions of other tablets of the crew;
 * - both live; a failed one is cancelled and started afresh after a capped exponential backoff (the engine's
 *   own retry, not PouchDB's: see retryLater); stopped while the browser is offline and restarted at once when
 *   it is back; a 401/403 stops replication and shows as an error until restart() (e.g. after signing in
 *   again).
 *
 * Which actions are on the server is tracked from the push replication's change events (`info.docs`: written
 * to the server) and the pull's (came from the server), persisted in a `_local` document; a crash between the
 * server's write and that bookkeeping is repaired by asking the server (`_revs_diff`) whenever the push goes
 * idle with actions still counted as queued. See docs/sync-client.md.
 */
import { classifySyncError, FATAL_SYNC_ERROR_KINDS, type Direction } from './errors';
import {
	ACTION_ID_PREFIX,
	localActionRevs,
	openLocalDb,
	readLocal,
	readOnServerIds,
	readSyncMeta,
	saveOnServerIds,
	saveSyncMeta,
	type LocalDb,
	type LocalSnapshot,
	type PouchStatic,
	type SyncFetch
} from './local-db';
import { browserNetwork, type NetworkMonitor } from './network';
import { actionStatus, outboxCounts, outboxOf } from './order-view';
import { deriveStatus, initialSyncModel, nextBackoffMs, reduceSync, sameStatus, type SyncEvent, type SyncStatus } from './state';

/** The gateway's largest write body (MAX_SYNC_BODY_BYTES there): a push batch must stay well under it. */
export const GATEWAY_MAX_BODY_BYTES = 16 * 1024 * 1024; // 16 MB
/**
 * Actions per push request. An action carries at most one photo of at most 2 MB (recordAction enforces both),
 * 2.67 MB once base64-encoded: 4 of them are about 11 MB, under the gateway's 16 MB with room for the JSON.
 * Small batches also mean a flaky uplink re-sends little after a failure.
 */
export const SYNC_PUSH_BATCH_SIZE = 4;
/**
 * Changes per pull batch. Orders are a few KB, but actions of other tablets bring their photos, which PouchDB
 * holds in memory for the whole batch: 20 keeps that under ~55 MB at worst on a tablet.
 */
export const SYNC_PULL_BATCH_SIZE = 20;
/** Batches PouchDB may queue ahead per direction (memory: batch size × this). */
export const SYNC_BATCHES_LIMIT = 2;
/** Local changes arrive in bursts (a pull batch writes many documents): re-read the database once per burst. */
export const LOCAL_REFRESH_DEBOUNCE_MS = 50;
/**
 * How long stop() waits for PouchDB to wind a replication down. A replication waiting out a backoff only
 * completes when its timer fires (up to SYNC_RETRY_MAX_MS): after this it is abandoned (events ignored).
 */
export const SYNC_STOP_WAIT_MS = 5 * 1000; // 5 seconds

/** Push only this tablet's kind of document: new actions. Orders are the server's; deletions come from it. */
function pushFilter(doc: { _id: string; _deleted?: boolean }): boolean {
	return doc._id.startsWith(ACTION_ID_PREFIX) && doc._deleted !== true;
}

type Replication = PouchDB.Replication.Replication<object>;

export type StartSyncOptions = {
	PouchDB: PouchStatic;
	/** `<origin><sync_path>` (remoteUrlFor). In tests, a plain name opens a local stand-in "server" database. */
	remoteUrl: string;
	/** fetch for the remote (Node: wrap PouchDB.fetch to add the session Cookie header). */
	fetch?: SyncFetch;
	/** Online/offline source; default: the browser's (always online in Node). */
	network?: NetworkMonitor;
	/** Aborting it is stop(). */
	signal?: AbortSignal;
	now?: () => Date;
	/** [0, 1), for the backoff's jitter. */
	random?: () => number;
} & (
	| { /** Local database name (localDbName): opened here, closed by stop(). */ name: string; db?: never }
	| { /** An open local database: stop() leaves it open. */ db: LocalDb; name?: never }
);

export interface SyncHandle {
	readonly db: LocalDb;
	readonly status: SyncStatus;
	/** The latest local snapshot (null until first read). */
	readonly snapshot: LocalSnapshot | null;
	/** Resolves once the persisted metadata and the first local snapshot are loaded (never rejects). */
	readonly ready: Promise<void>;
	/** Calls `listener` now and on every status change; returns the unsubscribe function. */
	subscribe(listener: (status: SyncStatus) => void): () => void;
	/** Calls `listener` with every new local snapshot (now, if there is one); returns the unsubscribe function. */
	subscribeLocal(listener: (snapshot: LocalSnapshot) => void): () => void;
	/** Starts replication afresh (after signing in again, or to retry at once); clears a signed-out/not-allowed error. */
	restart(): void;
	/** Stops everything, waits for pending bookkeeping, closes the local database if startSync opened it. */
	stop(): Promise<void>;
}

/** Waits for the promises to settle, or `ms` at most (the timer does not outlive them). */
function settleWithin(promises: readonly PromiseLike<unknown>[], ms: number): Promise<void> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
	return Promise.race([Promise.allSettled(promises).then(() => undefined), timeout]).finally(() => clearTimeout(timer));
}

export function startSync(options: StartSyncOptions): SyncHandle {
	const ownsDb = options.db === undefined;
	const db = options.db ?? openLocalDb(options.PouchDB, options.name);
	const remote = new options.PouchDB(options.remoteUrl, { skip_setup: true, ...(options.fetch ? { fetch: options.fetch } : {}) });
	const network = options.network ?? browserNetwork();
	const nowIso = () => (options.now ? options.now() : new Date()).toISOString();
	const random = options.random ?? Math.random;

	/** stop() was called: late events, timers and answers are ignored from then on. */
	let stopped = false;

	// ---- status ----
	let model = initialSyncModel(network.online);
	let status = deriveStatus(model);
	const statusListeners = new Set<(s: SyncStatus) => void>();
	const localListeners = new Set<(s: LocalSnapshot) => void>();

	function dispatch(event: SyncEvent): void {
		const before = model;
		model = reduceSync(model, event);
		if (model.initialSyncedAt !== before.initialSyncedAt || model.lastSyncedAt !== before.lastSyncedAt) {
			const meta = { initialSyncedAt: model.initialSyncedAt, lastSyncedAt: model.lastSyncedAt };
			enqueueWrite(() => saveSyncMeta(db, meta));
		}
		const next = deriveStatus(model);
		if (sameStatus(status, next)) return;
		status = next;
		for (const listener of statusListeners) listener(status);
	}

	const warn = (e: unknown, direction: Direction | null = null) => dispatch({ type: 'warning', error: classifySyncError(e, direction, nowIso()) });

	// ---- bookkeeping writes, one at a time ----
	let writes: Promise<void> = Promise.resolve();
	function enqueueWrite(write: () => Promise<void>): void {
		// A failed write is reported and dropped: the on-server set is repaired by reconcile(), the times by the next sync.
		writes = writes.then(write).catch((e: unknown) => warn(e));
	}

	// ---- which actions the server has ----
	const onServer = new Set<string>();
	function markOnServer(ids: readonly string[]): void {
		if (stopped) return;
		const added = ids.filter((id) => !onServer.has(id));
		if (added.length === 0) return;
		for (const id of added) onServer.add(id);
		enqueueWrite(() => saveOnServerIds(db, added));
		scheduleRefresh();
	}
	const actionIdsOf = (docs: readonly { _id: string; _deleted?: boolean }[]) =>
		docs.filter((d) => d._id.startsWith(ACTION_ID_PREFIX) && d._deleted !== true).map((d) => d._id.slice(ACTION_ID_PREFIX.length));

	let reconcileWanted = false;
	let reconciling = false;
	/**
	 * Asks the server about actions counted as queued: the ones it has were pushed but not recorded here.
	 * Off the refresh path (a slow request must not hold up the local view); one at a time; a failure asks
	 * again at the next idle push.
	 */
	function reconcile(snapshot: LocalSnapshot): void {
		if (reconciling || !model.online) return;
		const orders = new Map(snapshot.orders.map((o) => [o.service_request_id, o]));
		const queued = snapshot.actions.filter(
			(a) => a._rev !== undefined && actionStatus(a, a.order_id === null ? undefined : orders.get(a.order_id), onServer) === 'queued'
		);
		if (queued.length === 0) return;
		reconciling = true;
		remote
			.revsDiff(Object.fromEntries(queued.map((a) => [a._id, [a._rev!]])))
			.then((diff) => markOnServer(queued.filter((a) => !(diff[a._id]?.missing ?? []).includes(a._rev!)).map((a) => a.id)))
			.catch((e: unknown) => {
				if (stopped) return; // cancelled with everything else: nothing to report
				reconcileWanted = true;
				warn(e, 'push');
			})
			.finally(() => {
				reconciling = false;
			});
	}

	// ---- local snapshot ----
	let snapshot: LocalSnapshot | null = null;
	let refreshTimer: ReturnType<typeof setTimeout> | null = null;
	let refreshing: Promise<void> | null = null;
	let refreshAgain = false;

	async function refresh(): Promise<void> {
		const next = await readLocal(db, new Set(onServer));
		if (stopped) return;
		snapshot = next;
		const counts = outboxCounts(outboxOf(next));
		dispatch({ type: 'outbox', queuedActions: counts.queued, pendingActions: counts.pending });
		for (const listener of localListeners) listener(next);
		if (reconcileWanted) {
			reconcileWanted = false;
			reconcile(next);
		}
	}
	function runRefresh(): Promise<void> {
		if (refreshing) {
			refreshAgain = true;
			return refreshing;
		}
		refreshing = refresh()
			.catch((e: unknown) => warn(e))
			.finally(() => {
				refreshing = null;
				if (refreshAgain && !stopped) {
					refreshAgain = false;
					scheduleRefresh();
				}
			});
		return refreshing;
	}
	function scheduleRefresh(): void {
		if (stopped || refreshTimer !== null) return;
		refreshTimer = setTimeout(() => {
			refreshTimer = null;
			void runRefresh();
		}, LOCAL_REFRESH_DEBOUNCE_MS);
	}
	const localChanges = db.changes({ since: 'now', live: true });
	localChanges.on('change', scheduleRefresh);
	localChanges.on('error', (e: unknown) => warn(e));

	// ---- replication ----
	let push: Replication | null = null;
	let pull: Replication | null = null;
	/** A direction was refused (401/403): no automatic restart until restart(). */
	let blocked = false;
	/** Per direction: the wait before its next restart after a failure (0: none failed since it last worked). */
	const backoff: Record<Direction, number> = { push: 0, pull: 0 };
	const retryTimers: Record<Direction, ReturnType<typeof setTimeout> | null> = { push: null, pull: null };
	/** Replications cancelled but maybe still winding down (stop() waits for them). */
	const winding = new Set<Replication>();

	const currentOf = (direction: Direction) => (direction === 'push' ? push : pull);

	function clearRetry(direction: Direction): void {
		const timer = retryTimers[direction];
		if (timer !== null) clearTimeout(timer);
		retryTimers[direction] = null;
	}

	/**
	 * A replication failed for a reason worth retrying (no network, a server error). PouchDB's own retry is
	 * not used: when its changes feed fails it drops the batches it had queued, yet the batch in flight goes
	 * on and, once written, reads changes again from past the dropped ones and checkpoints beyond them, so the
	 * retry never fetches those documents (PouchDB 9; found by npm run chaos, see docs/chaos.md). Cancelling
	 * the failed replication stops that batch before it reads on; a fresh one resumes from the checkpoint.
	 */
	function retryLater(rep: Replication, direction: Direction): void {
		rep.cancel();
		winding.add(rep);
		void settleWithin([rep], SYNC_STOP_WAIT_MS).then(() => winding.delete(rep));
		if (direction === 'push') push = null;
		else pull = null;
		backoff[direction] = nextBackoffMs(backoff[direction], random);
		clearRetry(direction);
		retryTimers[direction] = setTimeout(() => {
			retryTimers[direction] = null;
			if (!stopped && !blocked && model.online) startDirection(direction);
		}, backoff[direction]);
	}

	function wire(rep: Replication, direction: Direction): void {
		const current = () => currentOf(direction) === rep && !stopped;
		const worked = () => (backoff[direction] = 0);
		rep.on('active', () => {
			if (!current()) return;
			worked();
			dispatch({ type: 'active', direction });
		});
		rep.on('change', (info) => {
			if (!current()) return;
			worked();
			const pending = 'pending' in info && typeof info.pending === 'number' ? info.pending : null;
			dispatch({ type: 'change', direction, docsRead: info.docs_read, docsWritten: info.docs_written, pending });
			// Pushed: now on the server. Pulled: came from it.
			markOnServer(actionIdsOf(info.docs));
		});
		rep.on('paused', (err?: unknown) => {
			if (!current()) return;
			const error = err === undefined || err === null ? null : classifySyncError(err, direction, nowIso());
			if (error === null) worked();
			dispatch({ type: 'paused', direction, at: nowIso(), error });
			if (error === null && direction === 'push') {
				reconcileWanted = true;
				scheduleRefresh();
			}
		});
		// Per-document refusals (the gateway refuses whole requests; a plain CouchDB validate_doc_update would not).
		rep.on('denied', (err: unknown) => {
			if (current()) warn(err, direction);
		});
		// Without PouchDB's retry every failure ends the replication here: 401/403 for good, the rest for a while.
		rep.on('error', (err: unknown) => {
			if (!current()) return;
			const error = classifySyncError(err, direction, nowIso());
			if (FATAL_SYNC_ERROR_KINDS.includes(error.kind)) {
				blocked = true;
				dispatch({ type: 'failed', direction, error });
				return;
			}
			dispatch({ type: 'paused', direction, at: nowIso(), error });
			retryLater(rep, direction);
		});
	}

	function startDirection(direction: Direction): void {
		if (stopped || currentOf(direction)) return;
		clearRetry(direction);
		const common = { live: true, retry: false, batches_limit: SYNC_BATCHES_LIMIT };
		const rep =
			direction === 'push'
				? db.replicate.to(remote, { ...common, batch_size: SYNC_PUSH_BATCH_SIZE, filter: pushFilter })
				: db.replicate.from(remote, { ...common, batch_size: SYNC_PULL_BATCH_SIZE });
		if (direction === 'push') push = rep;
		else pull = rep;
		wire(rep, direction);
	}

	/** Starts both directions; one waiting out its backoff starts at once. */
	function startReplications(): void {
		if (stopped) return;
		if (!push && !pull) dispatch({ type: 'replicating' });
		startDirection('push');
		startDirection('pull');
	}

	/** Cancels both replications; resolves when PouchDB has wound them down (or after SYNC_STOP_WAIT_MS). */
	function haltReplications(keepFailed: boolean): Promise<void> {
		clearRetry('push');
		clearRetry('pull');
		// From here on, events of the old replications are ignored (they are no longer current).
		const running = [push, pull, ...winding].filter((r): r is Replication => r !== null);
		push = null;
		pull = null;
		for (const r of running) r.cancel();
		dispatch({ type: 'halted', keepFailed });
		if (running.length === 0) return Promise.resolve();
		return settleWithin(running, SYNC_STOP_WAIT_MS);
	}

	const unsubscribeNetwork = network.subscribe((online) => {
		if (stopped) return;
		dispatch({ type: 'network', online });
		// Offline: stop hammering a dead network. Online: start at once instead of waiting out a backoff.
		if (!online) void haltReplications(true);
		else if (!blocked) startReplications();
	});

	// ---- start ----
	const ready = (async () => {
		const [meta, ids, revs] = await Promise.all([readSyncMeta(db), readOnServerIds(db), localActionRevs(db)]);
		const gone = new Set([...ids].filter((id) => !revs.has(id))); // purged by the server, deleted here by the pull
		for (const id of ids) if (!gone.has(id)) onServer.add(id);
		if (gone.size > 0) enqueueWrite(() => saveOnServerIds(db, [], gone));
		dispatch({ type: 'loaded', ...meta });
		await runRefresh();
	})().catch((e: unknown) => warn(e));

	dispatch({ type: 'started' });
	if (network.online) startReplications();

	// ---- handle ----
	let stopping: Promise<void> | null = null;
	function stop(): Promise<void> {
		stopping ??= (async () => {
			dispatch({ type: 'stopped' });
			const halted = haltReplications(false);
			stopped = true;
			unsubscribeNetwork();
			localChanges.cancel();
			if (refreshTimer !== null) clearTimeout(refreshTimer);
			await halted;
			await ready;
			await refreshing;
			await writes;
			if (ownsDb) await db.close();
		})();
		return stopping;
	}
	if (options.signal?.aborted) void stop();
	else options.signal?.addEventListener('abort', () => void stop(), { once: true });

	return {
		db,
		get status() {
			return status;
		},
		get snapshot() {
			return snapshot;
		},
		ready,
		subscribe(listener) {
			statusListeners.add(listener);
			listener(status);
			return () => statusListeners.delete(listener);
		},
		subscribeLocal(listener) {
			localListeners.add(listener);
			if (snapshot) listener(snapshot);
			return () => localListeners.delete(listener);
		},
		restart() {
			if (stopped) return;
			blocked = false;
			// The old replications wind down on their own; their events are ignored from now on.
			void haltReplications(false);
			if (model.online) startReplications();
		},
		stop
	};
}
