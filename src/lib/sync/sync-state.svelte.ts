/**
 * Rune-based state for components (Svelte 5): they read these fields and never touch PouchDB or the network.
 * The logic lives in plain modules (state.ts, order-view.ts); these classes only hold the latest values.
 */
import type { SyncError } from './errors';
import type { InvalidDoc, LocalSnapshot } from './local-db';
import { catalogFromDoc, contextFromCatalog, orderViewsOf, outboxOf, type ContextFor, type OrderView, type OutboxEntry } from './order-view';
import type { SyncHandle } from './engine';
import type { SyncPhase, SyncProgress, SyncStatus } from './state';

/** The sync status: `phase` initial | active | idle | offline | error | stopped, and the details. */
export class SyncState {
	phase = $state<SyncPhase>('stopped');
	online = $state(true);
	progress = $state.raw<SyncProgress | null>(null);
	lastSyncedAt = $state<string | null>(null);
	/** Actions only on this tablet so far. */
	queuedActions = $state(0);
	/** Actions the server has not applied yet. */
	pendingActions = $state(0);
	/** Why phase is 'error' or 'offline'; `retrying` false means the user must act (sign in again). */
	error = $state.raw<SyncError | null>(null);
	retrying = $state(false);
	lastError = $state.raw<SyncError | null>(null);

	#unsubscribe: (() => void) | null = null;

	set(status: SyncStatus): void {
		this.phase = status.phase;
		this.online = status.online;
		this.progress = status.progress;
		this.lastSyncedAt = status.lastSyncedAt;
		this.queuedActions = status.queuedActions;
		this.pendingActions = status.pendingActions;
		this.error = status.error;
		this.retrying = status.retrying;
		this.lastError = status.lastError;
	}

	/** Follows a running sync (replacing any previous one). */
	connect(handle: Pick<SyncHandle, 'subscribe'>): void {
		this.disconnect();
		this.#unsubscribe = handle.subscribe((s) => this.set(s));
	}

	disconnect(): void {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
	}
}

/** The crew's orders (pending actions folded on top) and the outbox, from the local database. */
export class CrewData {
	orders = $state.raw<OrderView[]>([]);
	outbox = $state.raw<OutboxEntry[]>([]);
	/** Replicated documents that did not parse (for a support screen). */
	invalid = $state.raw<InvalidDoc[]>([]);
	loaded = $state(false);

	#unsubscribe: (() => void) | null = null;
	#snapshot: LocalSnapshot | null = null;
	#contextFor: ContextFor;

	/** `contextFor` gives the reducer's rules per order (service type, crews, departments). */
	constructor(contextFor: ContextFor) {
		this.#contextFor = contextFor;
	}

	set(snapshot: LocalSnapshot): void {
		this.#snapshot = snapshot;
		// The replicated catalog carries the server's rules: once it is here it decides (also offline).
		if (snapshot.catalog) this.#contextFor = contextFromCatalog(catalogFromDoc(snapshot.catalog));
		this.orders = orderViewsOf(snapshot, this.#contextFor);
		this.outbox = outboxOf(snapshot);
		this.invalid = snapshot.invalid;
		this.loaded = true;
	}

	/** New rules (e.g. service types loaded): the orders are folded again. */
	setRules(contextFor: ContextFor): void {
		this.#contextFor = contextFor;
		if (this.#snapshot) this.orders = orderViewsOf(this.#snapshot, contextFor);
	}

	/** Follows the local database of a running sync. */
	connect(handle: Pick<SyncHandle, 'subscribeLocal'>): void {
		this.disconnect();
		this.#unsubscribe = handle.subscribeLocal((s) => this.set(s));
	}

	disconnect(): void {
		this.#unsubscribe?.();
		this.#unsubscribe = null;
	}
}
