/**
 * Sync state as pure functions (unit-tested in Node): the engine (engine.ts) turns PouchDB's replication events
 * and the browser's online/offline events into SyncEvents, `reduceSync` folds them into a SyncModel and
 * `deriveStatus` gives the one SyncStatus the UI shows. No I/O, no clock: times come in with the events.
 */
import { FATAL_SYNC_ERROR_KINDS, type Direction, type SyncError } from './errors';

// ---------- replication tuning (engine.ts passes these to PouchDB) ----------

export const SYNC_RETRY_MIN_MS = 1000; // 1 second: the first retry after a failure
export const SYNC_RETRY_MAX_MS = 5 * 60 * 1000; // 5 minutes: the longest wait between retries
/** ±20 %: after a server outage a fleet of tablets must not retry in lock-step. */
export const SYNC_RETRY_JITTER = 0.2;

/**
 * Next wait before a retry, for PouchDB's `back_off_function` (it passes the previous wait, 0 the first
 * time, and resets it to 0 once replication is active again): doubling from SYNC_RETRY_MIN_MS, capped at
 * SYNC_RETRY_MAX_MS, with jitter. `random` returns [0, 1) like Math.random.
 */
export function nextBackoffMs(previousMs: number, random: () => number = Math.random): number {
	const base = previousMs > 0 ? previousMs * 2 : SYNC_RETRY_MIN_MS;
	const jittered = base * (1 + SYNC_RETRY_JITTER * (2 * random() - 1));
	return Math.round(Math.min(SYNC_RETRY_MAX_MS, Math.max(SYNC_RETRY_MIN_MS, jittered)));
}

// ---------- model ----------

/**
 * stopped: not replicating (offline, before start, after stop); connecting: started, nothing heard yet;
 * active: moving documents; idle: caught up, listening; retrying: failed, will retry with backoff;
 * failed: stopped by the server's refusal (401/403) until restart().
 */
export type DirectionPhase = 'stopped' | 'connecting' | 'active' | 'idle' | 'retrying' | 'failed';

export interface DirectionState {
	phase: DirectionPhase;
	/** Counters of the current replication run (PouchDB restarts them on each retry). */
	docsRead: number;
	docsWritten: number;
	/** Changes the server still has for this run, when it says (CouchDB 2+). */
	pending: number | null;
	error: SyncError | null;
}

export interface SyncModel {
	/** startSync has been called and stop() has not. */
	running: boolean;
	/** What the browser says (navigator.onLine and online/offline events); true where unknown (Node). */
	online: boolean;
	push: DirectionState;
	pull: DirectionState;
	/** When this local database first caught up with the server (persisted); null: never, "initial" sync. */
	initialSyncedAt: string | null;
	/** The last time both directions were caught up (persisted). */
	lastSyncedAt: string | null;
	lastError: SyncError | null;
	/** Local actions not on the server yet. */
	queuedActions: number;
	/** Local actions the server has not applied yet (queued + sent; a sent position is done). */
	pendingActions: number;
}

export type SyncEvent =
	/** The persisted sync metadata was read. */
	| { type: 'loaded'; initialSyncedAt: string | null; lastSyncedAt: string | null }
	/** startSync: from now on the tablet wants to sync (replicating, or waiting for the network). */
	| { type: 'started' }
	/** Push and pull replications were (re)created. */
	| { type: 'replicating' }
	/** The replications were cancelled: offline (failed directions stay failed until restart) or restart. */
	| { type: 'halted'; keepFailed: boolean }
	/** stop(): nothing runs any more. */
	| { type: 'stopped' }
	| { type: 'network'; online: boolean }
	| { type: 'active'; direction: Direction }
	| { type: 'change'; direction: Direction; docsRead: number; docsWritten: number; pending: number | null }
	/** Caught up (error null) or waiting to retry after `error`. */
	| { type: 'paused'; direction: Direction; at: string; error: SyncError | null }
	/** The replication ended with an error and will not retry (PouchDB does so on 401/403). */
	| { type: 'failed'; direction: Direction; error: SyncError }
	| { type: 'outbox'; queuedActions: number; pendingActions: number }
	/** A problem that does not change what replication does (e.g. saving sync metadata failed). */
	| { type: 'warning'; error: SyncError };

const direction = (phase: DirectionPhase): DirectionState => ({ phase, docsRead: 0, docsWritten: 0, pending: null, error: null });

export function initialSyncModel(online: boolean): SyncModel {
	return {
		running: false,
		online,
		push: direction('stopped'),
		pull: direction('stopped'),
		initialSyncedAt: null,
		lastSyncedAt: null,
		lastError: null,
		queuedActions: 0,
		pendingActions: 0
	};
}

const later = (a: string | null, b: string | null): string | null => {
	if (a === null) return b;
	if (b === null) return a;
	return Date.parse(b) > Date.parse(a) ? b : a;
};

const isFatal = (e: SyncError) => FATAL_SYNC_ERROR_KINDS.includes(e.kind);

export function reduceSync(model: SyncModel, event: SyncEvent): SyncModel {
	switch (event.type) {
		case 'loaded':
			return {
				...model,
				initialSyncedAt: later(model.initialSyncedAt, event.initialSyncedAt),
				lastSyncedAt: later(model.lastSyncedAt, event.lastSyncedAt)
			};
		case 'started':
			return { ...model, running: true };
		case 'replicating':
			return { ...model, running: true, push: direction('connecting'), pull: direction('connecting') };
		case 'halted': {
			const halt = (d: DirectionState): DirectionState => (event.keepFailed && d.phase === 'failed' ? d : direction('stopped'));
			return { ...model, push: halt(model.push), pull: halt(model.pull) };
		}
		case 'stopped':
			return { ...model, running: false, push: direction('stopped'), pull: direction('stopped') };
		case 'network':
			return { ...model, online: event.online };
		case 'active':
			return withDirection(model, event.direction, (d) => ({ ...d, phase: 'active', error: null }));
		case 'change':
			return withDirection(model, event.direction, (d) => ({
				...d,
				phase: 'active',
				docsRead: event.docsRead,
				docsWritten: event.docsWritten,
				pending: event.pending
			}));
		case 'paused': {
			const { error } = event;
			if (error) {
				// PouchDB ends (rather than retries) a replication refused with 401/403: treat it as failed.
				const phase: DirectionPhase = isFatal(error) ? 'failed' : 'retrying';
				return { ...withDirection(model, event.direction, (d) => ({ ...d, phase, error })), lastError: error };
			}
			const next = withDirection(model, event.direction, (d) => ({ ...d, phase: 'idle', pending: 0, error: null }));
			const caughtUp = next.push.phase === 'idle' && next.pull.phase === 'idle';
			return {
				...next,
				// The first time the pull catches up, the initial sync is over (even if the push is still busy).
				initialSyncedAt: event.direction === 'pull' ? later(next.initialSyncedAt, event.at) : next.initialSyncedAt,
				lastSyncedAt: caughtUp ? later(next.lastSyncedAt, event.at) : next.lastSyncedAt
			};
		}
		case 'failed':
			return { ...withDirection(model, event.direction, (d) => ({ ...d, phase: 'failed', error: event.error })), lastError: event.error };
		case 'outbox':
			return { ...model, queuedActions: event.queuedActions, pendingActions: event.pendingActions };
		case 'warning':
			return { ...model, lastError: event.error };
	}
}

function withDirection(model: SyncModel, d: Direction, f: (s: DirectionState) => DirectionState): SyncModel {
	return d === 'push' ? { ...model, push: f(model.push) } : { ...model, pull: f(model.pull) };
}

// ---------- what the UI shows ----------

/**
 * initial: the first download of this crew's orders is running (see `progress`); active: syncing;
 * idle: up to date and listening; offline: no network or no answer from the server (retrying);
 * error: the server refused (see `error`; `retrying` says whether it tries again by itself); stopped.
 */
export type SyncPhase = 'initial' | 'active' | 'idle' | 'offline' | 'error' | 'stopped';

export interface SyncProgress {
	docsRead: number;
	docsWritten: number;
	/** Documents the server still has to send, when it says. */
	pending: number | null;
}

export interface SyncStatus {
	phase: SyncPhase;
	online: boolean;
	/** The download's progress while phase is 'initial'. */
	progress: SyncProgress | null;
	lastSyncedAt: string | null;
	queuedActions: number;
	pendingActions: number;
	/** Why phase is 'error' (or 'offline' because the server cannot be reached). */
	error: SyncError | null;
	/** Replication tries again by itself (false: signed out / not allowed, needs restart()). */
	retrying: boolean;
	/** The most recent error, even if since recovered. */
	lastError: SyncError | null;
}

export function deriveStatus(model: SyncModel): SyncStatus {
	const base = {
		online: model.online,
		lastSyncedAt: model.lastSyncedAt,
		queuedActions: model.queuedActions,
		pendingActions: model.pendingActions,
		lastError: model.lastError
	};
	const dirs = [model.push, model.pull];
	const failed = dirs.find((d) => d.phase === 'failed');
	if (failed) return { ...base, phase: 'error', progress: null, error: failed.error, retrying: false };
	if (!model.running) return { ...base, phase: 'stopped', progress: null, error: null, retrying: false };
	if (!model.online) return { ...base, phase: 'offline', progress: null, error: null, retrying: true };
	const retrying = dirs.filter((d) => d.phase === 'retrying');
	// A refusal says more than "no connection": show it first.
	const refusal = retrying.find((d) => d.error?.kind !== 'unreachable');
	if (refusal) return { ...base, phase: 'error', progress: null, error: refusal.error, retrying: true };
	if (retrying.length > 0) return { ...base, phase: 'offline', progress: null, error: retrying[0]!.error, retrying: true };
	if (model.initialSyncedAt === null) {
		const { docsRead, docsWritten, pending } = model.pull;
		return { ...base, phase: 'initial', progress: { docsRead, docsWritten, pending }, error: null, retrying: false };
	}
	const idle = dirs.every((d) => d.phase === 'idle');
	return { ...base, phase: idle ? 'idle' : 'active', progress: null, error: null, retrying: false };
}

/** Field-by-field equality of two statuses (errors compared by identity): notify subscribers only on change. */
export function sameStatus(a: SyncStatus, b: SyncStatus): boolean {
	const pa = a.progress;
	const pb = b.progress;
	const sameProgress =
		pa === pb || (pa !== null && pb !== null && pa.docsRead === pb.docsRead && pa.docsWritten === pb.docsWritten && pa.pending === pb.pending);
	return (
		a.phase === b.phase &&
		a.online === b.online &&
		sameProgress &&
		a.lastSyncedAt === b.lastSyncedAt &&
		a.queuedActions === b.queuedActions &&
		a.pendingActions === b.pendingActions &&
		a.error === b.error &&
		a.retrying === b.retrying &&
		a.lastError === b.lastError
	);
}
