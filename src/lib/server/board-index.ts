/**
 * The dispatch board's orders in memory (issue 09, docs/load.md): open orders and those closed within the
 * board's window, fed by the shared orders feed (orders-feed.ts) like the Open311 index and the reports. The
 * board's snapshot (GET /api/board) and its live order events (board-feed.ts) then come from the same
 * stream: a board that subscribes and then loads misses nothing, however far the feed lags the store. Before,
 * every board load read ~2,200 open orders with several Mango queries (0.5 s idle, seconds under load).
 */
import { OPEN_STATUSES, toBoardOrder, workOrderSchema, type BoardOrder } from '../domain';
import type { OrderReadModel } from './orders-feed';

const MS_PER_HOUR = 60 * 60 * 1000;
/** Closed orders kept: the board's window plus the widest UTC offset (closed_datetime carries the city offset). */
const KEEP_CLOSED_MS = 24 * MS_PER_HOUR + 14 * MS_PER_HOUR;
const OPEN = new Set<string>(OPEN_STATUSES);

type Listener = (order: BoardOrder) => void;

export class BoardIndex implements OrderReadModel {
	readonly #orders = new Map<string, BoardOrder>();
	readonly #listeners = new Set<Listener>();

	constructor(private readonly clock: () => number = Date.now) {}

	apply(doc: Record<string, unknown> | null | undefined, id: string, deleted: boolean): void {
		if (deleted || !doc) {
			this.#orders.delete(id);
			return;
		}
		// Most orders of a city are closed long ago: dropped without parsing them.
		const status = doc.status;
		const closedAt = typeof doc.closed_datetime === 'string' ? Date.parse(doc.closed_datetime) : NaN;
		const onBoard = typeof status === 'string' && (OPEN.has(status) || (status === 'closed' && closedAt >= this.clock() - KEEP_CLOSED_MS));
		if (!onBoard && this.#listeners.size === 0) {
			this.#orders.delete(id);
			return;
		}
		const parsed = workOrderSchema.safeParse(doc);
		if (!parsed.success) {
			this.#orders.delete(id);
			return;
		}
		const order = toBoardOrder(parsed.data);
		if (onBoard) this.#orders.set(id, order);
		else this.#orders.delete(id);
		// Every change of an order goes to the live boards, as the store's own feed did (a board drops what it
		// does not show).
		for (const listener of this.#listeners) {
			try {
				listener(order);
			} catch (e) {
				console.error('[board-index] a listener failed:', e);
			}
		}
	}

	/** The board's orders now: open ones, and those closed since `since` (ms). */
	snapshot(since: number): BoardOrder[] {
		const out: BoardOrder[] = [];
		const stale = this.clock() - KEEP_CLOSED_MS;
		for (const [id, o] of this.#orders) {
			// As the store query had it: open or closed, and not closed before `since`.
			const closedAt = o.closed_datetime ? Date.parse(o.closed_datetime) : null;
			if (closedAt === null || closedAt >= since) out.push(o);
			else if (o.status === 'closed' && closedAt < stale) this.#orders.delete(id); // aged out of the window
		}
		return out;
	}

	/** Every order change from now on, until the returned function is called. */
	subscribe(listener: Listener): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}
