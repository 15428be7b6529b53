/**
 * The dispatch board's data layer in the browser (issue 06): components call these, never fetch. Answers
 * come from our own server and are typed by the shared domain types.
 */
import type { BoardCrew, BoardData, BoardOrder, WorkOrder } from '../domain';
import { ApiError, failure } from './api';

/** The board's whole state at one moment (GET /api/board). */
export type BoardSnapshot = BoardData;

/** A supervisor action as the server takes it. */
export type DispatchAction =
	| { action: 'assign'; payload: { crew: string } }
	| { action: 'unassign'; payload: { reason?: string } }
	| { action: 'set_priority'; payload: { priority: WorkOrder['priority'] } }
	| { action: 'set_department'; payload: { department: string; reason?: string } }
	| { action: 'set_service_type'; payload: { service_code: string; reason?: string } }
	| { action: 'note'; payload: { text: string; visibility: 'internal' | 'public' } };

export interface BulkItemResult {
	order: string;
	ok: boolean;
	outcome: string;
	reason: string | null;
	crew?: string | null;
	status?: WorkOrder['status'];
}

export interface Suggestion {
	order: string;
	crew: string | null;
	added_minutes: number;
	reason: string;
}
export interface CrewWorkload {
	crew: string;
	orders: number;
	minutes: number;
}
export interface SuggestAnswer {
	suggestions: Suggestion[];
	before: CrewWorkload[];
	after: CrewWorkload[];
}

async function call<T>(path: string, init: RequestInit = {}, fetcher: typeof fetch = fetch): Promise<T> {
	let res: Response;
	try {
		res = await fetcher(path, init.body ? { ...init, headers: { 'content-type': 'application/json', ...init.headers } } : init);
	} catch {
		throw new ApiError(0, 'No connection to the server; nothing was changed. Try again when the connection is back.');
	}
	if (!res.ok) throw await failure(res);
	return (await res.json()) as T;
}

export const fetchBoard = (fetcher?: typeof fetch) => call<BoardSnapshot>('/api/board', {}, fetcher);

export const fetchOrder = (id: string, fetcher?: typeof fetch) =>
	call<Omit<WorkOrder, 'reporter'>>(`/api/orders/${encodeURIComponent(id)}`, {}, fetcher);

export const dispatchOne = (id: string, body: DispatchAction, fetcher?: typeof fetch) =>
	call<{ outcome: string; order: Omit<WorkOrder, 'reporter'> }>(
		`/api/orders/${encodeURIComponent(id)}/actions`,
		{ method: 'POST', body: JSON.stringify(body) },
		fetcher
	);

/** One action on many orders, or one operation per order; the answer says per order what happened. */
export const dispatchBulk = (
	body: ({ orders: string[] } & DispatchAction) | { operations: ({ order: string } & DispatchAction)[] },
	fetcher?: typeof fetch
) => call<{ results: BulkItemResult[]; applied: number; failed: number }>('/api/dispatch/bulk', { method: 'POST', body: JSON.stringify(body) }, fetcher);

export const suggestCrews = (orders: string[], fetcher?: typeof fetch) =>
	call<SuggestAnswer>('/api/dispatch/suggest', { method: 'POST', body: JSON.stringify({ orders }) }, fetcher);

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
