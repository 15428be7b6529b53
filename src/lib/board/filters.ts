/**
 * The dispatch board's filters, search and map colours (issue 06). Pure: the board state and the tests
 * call these with an explicit `now`.
 */
import { ageHours, isSlaBreached, type BoardOrder, type WorkflowStatus } from '../domain';
import { STATUS_COLOUR } from '../map/stops';

/** Which orders by assignment: all, only the queue, only those a crew holds, one crew's, or closed today. */
export type AssignmentFilter = '' | 'unassigned' | 'assigned' | 'closed' | `crew:${string}`;

export interface BoardFilter {
	search: string;
	assignment: AssignmentFilter;
	status: WorkflowStatus | '';
	serviceCode: string;
	department: string;
	neighborhood: string;
	district: string;
	/** Older than this many hours (0: any age). */
	minAgeHours: number;
	slaBreached: boolean;
}

export const NO_BOARD_FILTER: BoardFilter = {
	search: '',
	assignment: '',
	status: '',
	serviceCode: '',
	department: '',
	neighborhood: '',
	district: '',
	minAgeHours: 0,
	slaBreached: false
};

/** Age choices offered by the filter, in hours. */
export const AGE_CHOICES = [
	{ hours: 0, label: 'Any age' },
	{ hours: 24, label: 'Older than 1 day' },
	{ hours: 72, label: 'Older than 3 days' },
	{ hours: 7 * 24, label: 'Older than a week' },
	{ hours: 30 * 24, label: 'Older than 30 days' }
] as const;

export function matchesFilter(o: BoardOrder, f: BoardFilter, now: number): boolean {
	// Closed orders (of the last day) show only when asked for; everything else is about open work.
	const wantsClosed = f.assignment === 'closed' || f.status === 'closed';
	if ((o.status === 'closed') !== wantsClosed) return false;
	if (f.assignment === 'unassigned' && (o.crew !== null || o.status !== 'new')) return false;
	if (f.assignment === 'assigned' && (o.crew === null || o.status === 'closed')) return false;
	if (f.assignment.startsWith('crew:') && o.crew !== f.assignment.slice('crew:'.length)) return false;
	if (f.status && o.status !== f.status) return false;
	if (f.serviceCode && o.service_code !== f.serviceCode) return false;
	if (f.department && o.department !== f.department) return false;
	if (f.neighborhood && o.neighborhood !== f.neighborhood) return false;
	if (f.district && o.supervisor_district !== f.district) return false;
	if (f.minAgeHours > 0 && ageHours(o, now) < f.minAgeHours) return false;
	if (f.slaBreached && !isSlaBreached(o, now)) return false;
	const q = f.search.trim().toLowerCase();
	if (q) {
		const hay = [o.service_request_id, o.service_name, o.address ?? '', o.description, o.neighborhood ?? '', o.crew ?? ''];
		if (!hay.some((s) => s.toLowerCase().includes(q))) return false;
	}
	return true;
}

export function countActiveFilters(f: BoardFilter): number {
	return (Object.keys(NO_BOARD_FILTER) as (keyof BoardFilter)[]).filter((k) => f[k] !== NO_BOARD_FILTER[k]).length;
}

export type ColourMode = 'status' | 'age' | 'sla';

/** Age bands for the map, with colours from fresh (light) to old (dark red). */
export const AGE_BANDS = [
	{ maxHours: 24, colour: '#2e7d32', label: 'under 1 day' },
	{ maxHours: 72, colour: '#b08800', label: '1–3 days' },
	{ maxHours: 7 * 24, colour: '#d84315', label: '3–7 days' },
	{ maxHours: Infinity, colour: '#7f0000', label: 'over a week' }
] as const;

export const SLA_COLOURS = { ok: '#1e6b2e', breached: '#b00020', none: '#5c5c5c' } as const;

export function colourFor(o: BoardOrder, mode: ColourMode, now: number): string {
	if (mode === 'status') return STATUS_COLOUR[o.status];
	if (mode === 'age') {
		const h = ageHours(o, now);
		return AGE_BANDS.find((b) => h < b.maxHours)!.colour;
	}
	if (!o.expected_datetime) return SLA_COLOURS.none;
	return isSlaBreached(o, now) ? SLA_COLOURS.breached : SLA_COLOURS.ok;
}

/** Distinct non-empty values of a field, sorted, for the filter menus. */
export function distinctValues(orders: readonly BoardOrder[], field: 'neighborhood' | 'supervisor_district'): string[] {
	const values = new Set<string>();
	for (const o of orders) if (o[field]) values.add(o[field]);
	return [...values].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/** Orders inside a [west, south, east, north] box (the map's box select). */
export function insideBox(orders: readonly BoardOrder[], box: readonly [number, number, number, number]): string[] {
	const [w, s, e, n] = box;
	return orders.filter((o) => o.long >= w && o.long <= e && o.lat >= s && o.lat <= n).map((o) => o.service_request_id);
}

/** Open orders per crew (closed ones and the queue left out). */
export function openByCrew(orders: Iterable<BoardOrder>): Map<string, BoardOrder[]> {
	const byCrew = new Map<string, BoardOrder[]>();
	for (const o of orders) {
		if (o.crew === null || o.status === 'closed') continue;
		const list = byCrew.get(o.crew);
		if (list) list.push(o);
		else byCrew.set(o.crew, [o]);
	}
	return byCrew;
}

/** Ids of a list of orders, for membership checks. */
export const idSet = (orders: readonly BoardOrder[]): ReadonlySet<string> => new Set(orders.map((o) => o.service_request_id));
