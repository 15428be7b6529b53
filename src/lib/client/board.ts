/**
 * The dispatch board's data layer in the browser (issue 06): components call these, never fetch. Answers
 * come from our own server and are typed by the shared domain types.
 */
import type { BoardCrew, BoardData, BoardOrder, BulkItemResult, SupervisorAction, WorkOrder } from '../domain';
import type { SuggestAnswer } from '../routing/assign';
import { apiRequest } from './api';

/** The board's whole state at one moment (GET /api/board). */
export type BoardSnapshot = BoardData;

/** A supervisor action as the server takes it. */
export type DispatchAction = SupervisorAction;
export type { BulkItemResult, SuggestAnswer };

async function call<T>(path: string, json?: unknown, fetcher?: typeof fetch): Promise<T> {
	return (await (await apiRequest(path, { json }, fetcher)).json()) as T;
}

export const fetchBoard = (fetcher?: typeof fetch) => call<BoardSnapshot>('/api/board', undefined, fetcher);

export const fetchOrder = (id: string, fetcher?: typeof fetch) =>
	call<Omit<WorkOrder, 'reporter'>>(`/api/orders/${encodeURIComponent(id)}`, undefined, fetcher);

export const dispatchOne = (id: string, body: DispatchAction, fetcher?: typeof fetch) =>
	call<{ outcome: string; order: Omit<WorkOrder, 'reporter'> }>(`/api/orders/${encodeURIComponent(id)}/actions`, body, fetcher);

/** One action on many orders, or one operation per order; the answer says per order what happened. */
export const dispatchBulk = (
	body: ({ orders: string[] } & DispatchAction) | { operations: ({ order: string } & DispatchAction)[] },
	fetcher?: typeof fetch
) => call<{ results: BulkItemResult[]; applied: number; failed: number }>('/api/dispatch/bulk', body, fetcher);

export const suggestCrews = (orders: string[], fetcher?: typeof fetch) =>
	call<SuggestAnswer>('/api/dispatch/suggest', { orders }, fetcher);

export type BoardEventHandlers = {
	ready(): void;
	order(order: BoardOrder): void;
	crews(crews: BoardCrew[]): void;
	conflicts(open: number): void;
	/** The stream dropped; EventSource reconnects by itself and `ready` comes again. */
	down(): void;
};

/** The board's live stream (server-sent events); returns a function that closes it. */
export function connectBoardEvents(handlers: BoardEventHandlers): () => void {
	const source = new EventSource('/api/board/events');
	const on = <T>(name: string, fn: (data: T) => void) =>
		source.addEventListener(name, (e) => {
			try {
				fn(JSON.parse((e as MessageEvent<string>).data) as T);
			} catch (err) {
				console.warn(`[board] bad ${name} event`, err);
			}
		});
	on('ready', () => handlers.ready());
	on<{ order: BoardOrder }>('order', (d) => handlers.order(d.order));
	on<{ crews: BoardCrew[] }>('crews', (d) => handlers.crews(d.crews));
	on<{ open: number }>('conflicts', (d) => handlers.conflicts(d.open));
	source.onerror = () => handlers.down();
	return () => source.close();
}
