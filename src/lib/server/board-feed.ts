/**
 * The dispatch board's live feed (issue 06): one follower per app server process watches the store's
 * changes (orders, conflicts, directory) while at least one board is connected, and fans each change out
 * to the connected boards as server-sent events. Every app server follows the store itself, so a change
 * made through any of them (a crew's sync, another supervisor) reaches every board within a long poll's
 * round trip.
 */
import { toBoardOrder, workOrderSchema, type BoardCrew, type BoardOrder } from '../domain';
import { countOpenConflicts, listBoardCrews } from './board';
import type { BoardIndex } from './board-index';
import type { OrdersFeed } from './orders-feed';
import type { CouchClient } from './store/couch-client';
import { CONFLICTS_DB, DIRECTORY_DB, ORDERS_DB } from './store/schema';
import { follow, type Change } from './sync/follow';

export type BoardEvent =
	| { type: 'order'; order: BoardOrder }
	| { type: 'crews'; crews: BoardCrew[] }
	| { type: 'conflicts'; open: number };

type Listener = (event: BoardEvent) => void;

export class BoardFeed {
	readonly #listeners = new Set<Listener>();
	#running: { abort: AbortController; ready: Promise<void>; fromIndex: boolean } | null = null;

	/**
	 * `index`/`orders`: the in-memory board orders and the shared orders feed that fills them. Once that feed
	 * has caught up, a starting board feed takes its order events from the index — the same stream the board's
	 * snapshot comes from (boardOrdersSource) — instead of following the orders database itself.
	 */
	constructor(
		private readonly store: CouchClient,
		private readonly index?: BoardIndex,
		private readonly orders?: OrdersFeed
	) {}

	/**
	 * Where a board's snapshot must read its orders so that it fits this feed's events: the index when the
	 * running feed takes its events from it (or none runs and the index is ready), else null (the store).
	 */
	boardOrdersSource(): BoardIndex | null {
		this.orders?.touch();
		if (!this.index || !this.orders?.ready) return null;
		if (this.#running && !this.#running.fromIndex) return null;
		return this.index;
	}

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

	#start(): { abort: AbortController; ready: Promise<void>; fromIndex: boolean } {
		const abort = new AbortController();
		const index = this.orders?.ready ? this.index : undefined;
		if (index) {
			const unsubscribe = index.subscribe((order) => this.#emit({ type: 'order', order }));
			abort.signal.addEventListener('abort', unsubscribe, { once: true });
		}
		const watches = [
			index
				? Promise.resolve()
				: this.#watch(ORDERS_DB, abort.signal, (changes) => {
						for (const { doc } of changes) {
							const parsed = workOrderSchema.safeParse(doc);
							if (parsed.success) this.#emit({ type: 'order', order: toBoardOrder(parsed.data) });
						}
					}),
			this.#watch(CONFLICTS_DB, abort.signal, async () => this.#emit({ type: 'conflicts', open: await countOpenConflicts(this.store) })),
			this.#watch(DIRECTORY_DB, abort.signal, async (changes) => {
				if (changes.some((c) => c.id.startsWith('crew:') || c.id.startsWith('presence:'))) {
					this.#emit({ type: 'crews', crews: await listBoardCrews(this.store) });
				}
			})
		];
		return { abort, ready: Promise.all(watches).then(() => undefined), fromIndex: index !== undefined };
	}

	/** Follows one database from its end (no stored checkpoint); resolves once that end is fixed. */
	#watch(dbName: string, signal: AbortSignal, handle: (changes: Change<unknown>[]) => void | Promise<void>): Promise<void> {
		return new Promise((started) => {
			void follow<unknown>({
				db: this.store.db(dbName),
				checkpoint: null,
				signal,
				onStart: started,
				onError: (e) => console.error(`[board-feed] ${dbName}: following failed, retrying:`, e),
				handle: async (changes) => {
					const live = changes.filter((c) => !c.deleted);
					if (live.length > 0) await handle(live);
				}
			});
			signal.addEventListener('abort', () => started(), { once: true });
		});
	}
}
