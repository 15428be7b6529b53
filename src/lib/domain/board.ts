/**
 * The supervisors' dispatch board (issue 06): what the board shows of an order and of a crew, shared by the
 * server (which builds it) and the browser (which filters, colours and updates it live). Pure, no I/O.
 */
import type { CrewPosition } from './crew';
import type { WorkOrder } from './work-order';
import type { Outcome } from './reducer';

/** A tablet that pinged within this window counts as online (it pings every PRESENCE_PING_MS). */
export const PRESENCE_PING_MS = 60 * 1000; // 1 minute
export const ONLINE_WINDOW_MS = 2.5 * PRESENCE_PING_MS; // two missed pings and a bit: offline

const MS_PER_HOUR = 60 * 60 * 1000;

/** An order as the board lists it: no history, no reporter, description cut. */
export type BoardOrder = Pick<
	WorkOrder,
	| 'service_request_id'
	| 'service_code'
	| 'service_name'
	| 'address'
	| 'lat'
	| 'long'
	| 'status'
	| 'priority'
	| 'crew'
	| 'department'
	| 'neighborhood'
	| 'supervisor_district'
	| 'requested_datetime'
	| 'updated_datetime'
	| 'expected_datetime'
	| 'closed_datetime'
	| 'duplicate_of'
> & { description: string; _rev: string | null };

export const BOARD_DESCRIPTION_CHARS = 160;

export function toBoardOrder(o: WorkOrder): BoardOrder {
	return {
		service_request_id: o.service_request_id,
		service_code: o.service_code,
		service_name: o.service_name,
		description: o.description.length > BOARD_DESCRIPTION_CHARS ? `${o.description.slice(0, BOARD_DESCRIPTION_CHARS - 1)}…` : o.description,
		address: o.address,
		lat: o.lat,
		long: o.long,
		status: o.status,
		priority: o.priority,
		crew: o.crew,
		department: o.department,
		neighborhood: o.neighborhood,
		supervisor_district: o.supervisor_district,
		requested_datetime: o.requested_datetime,
		updated_datetime: o.updated_datetime,
		expected_datetime: o.expected_datetime,
		closed_datetime: o.closed_datetime,
		duplicate_of: o.duplicate_of,
		_rev: o._rev ?? null
	};
}

/** A crew on the board: who, where it was last seen, whether its tablet is in touch. */
export interface BoardCrew {
	id: string;
	name: string;
	department: string;
	service_codes: string[];
	depot: { lat: number; long: number; name: string };
	last_position: CrewPosition | null;
	/** Server time of the tablet's last ping, and its own last finished sync. */
	seen_at: string | null;
	last_synced_at: string | null;
	queued_actions: number;
}

/** What GET /api/board answers: the board's whole state at one moment. */
export interface BoardData {
	now: string;
	orders: BoardOrder[];
	crews: BoardCrew[];
	departments: { id: string; name: string }[];
	serviceTypes: { code: string; name: string; department: string; service_minutes: number; sla_hours: number }[];
	/** User id -> display name, for "who did it" in an order's history. */
	people: Record<string, string>;
	openConflicts: number;
}

export const isOnline = (crew: Pick<BoardCrew, 'seen_at'>, now: number): boolean =>
	crew.seen_at !== null && now - Date.parse(crew.seen_at) <= ONLINE_WINDOW_MS;

/** Hours since the order was reported (at `now`, or at its close). */
export function ageHours(o: Pick<BoardOrder, 'requested_datetime' | 'closed_datetime'>, now: number): number {
	const end = o.closed_datetime ? Date.parse(o.closed_datetime) : now;
	return Math.max(0, (end - Date.parse(o.requested_datetime)) / MS_PER_HOUR);
}

/** Past its SLA due time: still open after it, or closed after it. */
export function isSlaBreached(o: Pick<BoardOrder, 'expected_datetime' | 'closed_datetime'>, now: number): boolean {
	if (!o.expected_datetime) return false;
	const end = o.closed_datetime ? Date.parse(o.closed_datetime) : now;
	return end > Date.parse(o.expected_datetime);
}

/** One line of a bulk answer: what happened to this order. */
export interface BulkItemResult {
	order: string;
	ok: boolean;
	/** applied | noop | conflict | duplicate, or the refusal: invalid | not_found | refused | error. */
	outcome: Outcome | 'invalid' | 'not_found' | 'refused' | 'error';
	reason: string | null;
	crew?: string | null;
	status?: WorkOrder['status'];
}
