/**
 * The crew tablet's data layer for screens (issue 03): starts the crew's local database and live sync,
 * exposes the sync status, the orders (pending actions folded on top) and the outbox as runes, and records
 * actions. Components call this; they never touch PouchDB or the network themselves.
 */
import { getContext, setContext } from 'svelte';
import { PRESENCE_PING_MS, haversineMeters, type CrewCatalog, type CrewSummary } from '../domain';
import { sendPresence } from '../client/presence';
import { currentPosition, type DevicePosition } from './position';
import { requestPersistentStorage, startCrewSync, type CrewLogin } from '../sync/browser';
import type { SyncHandle } from '../sync/engine';
import { OfflineArea } from '../map/offline-area.svelte';
import { NO_FILTER, type TodayFilter } from './today';
import { CrewRoute } from './route-state.svelte';
import { readStorage, type StorageInfo } from '../pwa/storage';
import { recordAction, type RecordActionInput } from '../sync/record-action';
import { CrewData, SyncState } from '../sync/sync-state.svelte';

const CONTEXT_KEY = Symbol('crew-app');
/** A new position is recorded when the crew moved this far, or this long after the last one. */
export const POSITION_MIN_MOVE_M = 100; // metres: a block
export const POSITION_MAX_INTERVAL_MS = 10 * 60 * 1000; // 10 minutes: "still here" for the board

export type ActionRequest = Omit<RecordActionInput, 'user'>;

export class CrewApp {
	readonly sync = new SyncState();
	readonly data = new CrewData(() => null);
	/** Set when the local database could not be opened or sync could not start. */
	startError = $state<string | null>(null);
	catalog = $state.raw<CrewCatalog | null>(null);
	/** The offline map on this tablet (downloaded after sign-in, replaced when the server has a new version). */
	readonly map = new OfflineArea();
	/** Today's filters: kept while the crew moves between screens. */
	filter = $state<TodayFilter>({ ...NO_FILTER });
	/** This app's share of the device's storage (null where the browser does not say). */
	storage = $state.raw<StorageInfo | null>(null);
	/** Today's route: order, ETAs and street line, planned on the tablet (issue 05). */
	readonly route: CrewRoute;
	#handle: SyncHandle | null = null;
	#stopLocal: (() => void) | null = null;
	#presenceTimer: ReturnType<typeof setInterval> | null = null;
	#lastPosition: (DevicePosition & { at: number }) | null = null;

	constructor(
		readonly login: CrewLogin,
		crew: CrewSummary
	) {
		this.route = new CrewRoute(crew.id, crew.depot);
	}

	async start(): Promise<void> {
		try {
			this.#handle = await startCrewSync(this.login);
			this.sync.connect(this.#handle);
			this.data.connect(this.#handle);
			this.#stopLocal = this.#handle.subscribeLocal((s) => (this.catalog = s.catalog));
			// Unsent work lives in IndexedDB: ask the browser not to evict it under storage pressure.
			void requestPersistentStorage()
				.catch((e: unknown) => console.warn('[crew] persistent storage not granted:', e))
				.finally(() => this.refreshStorage());
			// After sign-in, online: store the map for offline use (or its new version). Offline: keep what is there.
			void this.map.ensure().finally(() => this.refreshStorage());
			this.#startPresence();
		} catch (e) {
			this.startError = e instanceof Error ? e.message : String(e);
		}
	}

	/** Records an action on this tablet; it shows at once and syncs when it can. */
	async record(request: ActionRequest): Promise<void> {
		if (!this.#handle) throw new Error('The tablet database is not open yet');
		try {
			await recordAction(this.#handle.db, { ...request, user: this.login.user } as RecordActionInput);
		} finally {
			this.refreshStorage();
		}
	}

	/**
	 * Every minute: tell the board this tablet is in touch (when online), and record where the crew is as a
	 * position action (also offline: it syncs later like any action) when it moved or a while has passed.
	 */
	#startPresence(): void {
		const tick = () => {
			void this.#ping();
			void this.#trackPosition();
		};
		tick();
		this.#presenceTimer = setInterval(tick, PRESENCE_PING_MS);
	}

	async #ping(): Promise<void> {
		if (!navigator.onLine) return;
		try {
			await sendPresence({ last_synced_at: this.sync.lastSyncedAt, queued_actions: this.sync.queuedActions });
		} catch (e) {
			console.info('[crew] presence ping not sent:', e instanceof Error ? e.message : e);
		}
	}

	async #trackPosition(): Promise<void> {
		const here = await currentPosition();
		if (!here || !this.#handle) return;
		const now = Date.now();
		const last = this.#lastPosition;
		if (last && haversineMeters(last, here) < POSITION_MIN_MOVE_M && now - last.at < POSITION_MAX_INTERVAL_MS) return;
		this.#lastPosition = { ...here, at: now };
		await this.record({
			action: 'position',
			order: null,
			payload: { lat: here.lat, long: here.long, accuracy_m: Math.round(here.accuracy_m) }
		}).catch((e: unknown) => console.warn('[crew] position not recorded:', e));
	}

	/** Reads the storage figures again (after writes: photos are what fills a tablet). */
	refreshStorage(): void {
		readStorage()
			.then((info) => (this.storage = info))
			.catch((e: unknown) => console.warn('[crew] storage estimate unavailable:', e));
	}

	/** Try to sync now (after signing in again, or when the user taps "sync"). */
	retry(): void {
		this.#handle?.restart();
	}

	async stop(): Promise<void> {
		if (this.#presenceTimer) clearInterval(this.#presenceTimer);
		this.map.stop();
		this.#stopLocal?.();
		this.sync.disconnect();
		this.data.disconnect();
		await this.#handle?.stop();
		this.#handle = null;
	}
}

export function provideCrewApp(app: CrewApp): void {
	setContext(CONTEXT_KEY, app);
}

export function useCrewApp(): CrewApp {
	const app = getContext<CrewApp | undefined>(CONTEXT_KEY);
	if (!app) throw new Error('useCrewApp() outside the crew layout');
	return app;
}
