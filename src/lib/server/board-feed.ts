/**
 * The dispatch board's live feed (issue 06): one follower per app server process watches the store's
 * changes (orders, conflicts, directory) while at least one board is connected, and fans each change out
 * to the connected boards as server-sent events. Every app server follows the store itself, so a change
 * made through any of them (a crew's sync, another supervisor) reaches every board within a long poll's
 * round trip.
 */
import { toBoardOrder, workOrderSchema, type BoardCrew, type BoardOrder } from '../domain';
import { countOpenConflicts, listBoardCrews } from './board';
import { StoreUnavailableError } from './errors';
import type { CouchClient } from './store/couch-client';
import { CONFLICTS_DB, DIRECTORY_DB, ORDERS_DB } from './store/schema';

export type BoardEvent =
	| { type: 'order'; order: BoardOrder }
	| { type: 'crews'; crews: BoardCrew[] }
	| { type: 'conflicts'; open: number };

const FEED_BATCH = 500; // changes per long poll
const FEED_HEARTBEAT_MS = 10_000; // keeps the long poll alive through idle timeouts
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 15_000;

type Listener = (event: BoardEvent) => void;

export class BoardFeed {
	readonly #listeners = new Set<Listener>();
	#running: { abort: AbortController; ready: Promise<void> } | null = null;

	constructor(private readonly store: CouchClient) {}

	get subscribers(): number {
		return this.#listeners.size;
	}

	/**
	 * Listens until the returned function is called. `ready` resolves once the feed's starting points are
	 * fixed: a board that loads its data after that misses nothing.
	 */
	subscribe(listener: Listener): { ready: Promise<void>; unsubscribe: () => void } {
		this.#listeners.add(listener);
		this.#running ??= this.#start();
		return {
			ready: this.#running.ready,
			unsubscribe: () => {
				this.#listeners.delete(listener);
				if (this.#listeners.size === 0 && this.#running) {
					this.#running.abort.abort();
					this.#running = null;
				}
			}
		};
	}

	#emit(event: BoardEvent): void {
		for (const listener of this.#listeners) {
			try {
				listener(event);
			} catch (e) {
				console.error('[board-feed] a listener failed:', e);
			}
		}
	}

	#start(): { abort: AbortController; ready: Promise<void> } {
		const abort = new AbortController();
		const watches = [
			this.#watch(ORDERS_DB, true, abort.signal, (docs) => {
				for (const doc of docs) {
					const parsed = workOrderSchema.safeParse(doc);
					if (parsed.success) this.#emit({ type: 'order', order: toBoardOrder(parsed.data) });
				}
			}),
			this.#watch(CONFLICTS_DB, false, abort.signal, async () => this.#emit({ type: 'conflicts', open: await countOpenConflicts(this.store) })),
			this.#watch(DIRECTORY_DB, false, abort.signal, async (_docs, ids) => {
				if (ids.some((id) => id.startsWith('crew:') || id.startsWith('presence:'))) {
					this.#emit({ type: 'crews', crews: await listBoardCrews(this.store) });
				}
			})
		];
		return { abort, ready: Promise.all(watches).then(() => undefined) };
	}

	/** Starts following one database from its current end; resolves once that end is known. */
	async #watch(
		dbName: string,
		includeDocs: boolean,
		signal: AbortSignal,
		handle: (docs: unknown[], ids: string[]) => void | Promise<void>
	): Promise<void> {
		const db = this.store.db(dbName);
		let since: string | number = 'now';
		try {
			since = (await db.info()).update_seq;
		} catch (e) {
			if (!(e instanceof StoreUnavailableError)) console.error(`[board-feed] ${dbName}: reading the sequence failed:`, e);
		}
		void (async () => {
			let delay = RETRY_MIN_MS;
			while (!signal.aborted) {
				try {
					const res = await db.changes<unknown>(
						{ feed: 'longpoll', since, include_docs: includeDocs, limit: FEED_BATCH, heartbeat: FEED_HEARTBEAT_MS },
						signal
					);
					since = res.last_seq;
					const live = res.results.filter((r) => !r.deleted);
					if (live.length > 0) await handle(live.map((r) => r.doc), live.map((r) => r.id));
					delay = RETRY_MIN_MS;
				} catch (e) {
					if (signal.aborted) return;
					if (!(e instanceof StoreUnavailableError)) console.error(`[board-feed] ${dbName}: following failed, retrying:`, e);
					await new Promise((r) => setTimeout(r, delay));
					delay = Math.min(delay * 2, RETRY_MAX_MS);
				}
			}
		})();
	}
}
