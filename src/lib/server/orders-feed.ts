/**
 * One follower of the orders database for this server's in-memory read models (the Open311 request index,
 * the reports' facts): it reads every order once from the start, then each change, and hands each document
 * to every model. One feed instead of one per model: each read of the orders costs the store the same.
 *
 * It starts on first use (`touch`): a server nobody asks for Open311 searches or reports never pays for it.
 * Until it has caught up the models are incomplete; `ready` says so and `whenReady` waits for it.
 */
import type { CouchClient } from './store/couch-client';
import { ORDERS_DB } from './store/schema';
import { follow } from './sync/follow';

/** A read model fed with order documents (or their deletions). Must be idempotent per revision. */
export interface OrderReadModel {
	apply(doc: Record<string, unknown> | null | undefined, id: string, deleted: boolean): void;
}

export class OrdersFeed {
	readonly #models: readonly OrderReadModel[];
	#source: { store: CouchClient; signal: AbortSignal } | null = null;
	#started = false;
	#ready = false;
	#read = 0;
	#waiters: (() => void)[] = [];

	constructor(models: readonly OrderReadModel[]) {
		this.#models = models;
	}

	get ready(): boolean {
		return this.#ready;
	}
	/** Order changes read so far (a loading figure for /healthz and the reports page). */
	get read(): number {
		return this.#read;
	}

	/** Where to load from, once something asks (see `touch`). */
	attach(store: CouchClient, signal: AbortSignal): void {
		this.#source = { store, signal };
	}

	/** Starts loading on first use. */
	touch(): void {
		if (this.#started || !this.#source) return;
		this.#started = true;
		const { store, signal } = this.#source;
		this.run(store, signal).catch((e: unknown) => console.error('[orders-feed] stopped:', e));
	}

	/** An order this server just wrote: in every model at once (the feed brings it again, harmlessly). */
	put(doc: Record<string, unknown>, id: string): void {
		for (const m of this.#models) m.apply(doc, id, false);
	}

	/** Starts loading if needed and waits until caught up, at most `timeoutMs`; true when ready. */
	async whenReady(timeoutMs: number): Promise<boolean> {
		this.touch();
		if (this.#ready) return true;
		let timer: ReturnType<typeof setTimeout> | undefined;
		let waiter: (() => void) | undefined;
		await new Promise<void>((resolve) => {
			waiter = resolve;
			this.#waiters.push(resolve);
			timer = setTimeout(resolve, timeoutMs);
		});
		clearTimeout(timer);
		this.#waiters = this.#waiters.filter((w) => w !== waiter);
		return this.#ready;
	}

	/** Loads every order and follows the changes until `signal` aborts; `ready` once caught up. */
	run(store: CouchClient, signal: AbortSignal): Promise<void> {
		const started = Date.now();
		return follow<Record<string, unknown>>({
			db: store.db(ORDERS_DB),
			checkpoint: null,
			since: 0,
			signal,
			onError: (e) => console.error('[orders-feed] batch failed, retrying:', e),
			onCaughtUp: () => {
				if (this.#ready) return;
				this.#ready = true;
				console.log(`[orders-feed] read models ready: ${this.#read} order changes in ${Date.now() - started} ms`);
				for (const w of this.#waiters.splice(0)) w();
			},
			handle: async (changes) => {
				for (const c of changes) {
					if (!c.id.startsWith('order:')) continue;
					this.#read++;
					for (const m of this.#models) m.apply(c.doc, c.id, c.deleted === true);
				}
			}
		});
	}
}
