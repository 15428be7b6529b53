/**
 * The Today list as a pure function (unit-tested): which of the tablet's orders to show, in which group and
 * order, under the crew's filters. Open orders in route order (the route solver's, issue 05); orders the route
 * does not know yet (just arrived, not planned) after them, nearest first.
 */
import { haversineMeters, isOpen, type Point, type WorkflowStatus } from '../domain';
import type { OrderView } from '../sync/order-view';

export type StatusFilter = 'all' | Extract<WorkflowStatus, 'assigned' | 'en_route' | 'on_site'>;

export interface TodayFilter {
	status: StatusFilter;
	/** One service type, or null for all. */
	serviceCode: string | null;
	overdueOnly: boolean;
	/** Matched against address, description, request id and service name (case-insensitive). */
	query: string;
}

export const NO_FILTER: TodayFilter = { status: 'all', serviceCode: null, overdueOnly: false, query: '' };

export interface TodayItem {
	view: OrderView;
	/** Straight-line metres from the crew's depot. */
	distance: number;
	overdue: boolean;
}

export interface TodayList {
	/** Open orders of this crew, matching the filter, in route order (unplanned ones after, nearest first). */
	open: TodayItem[];
	/** Open orders the filter hides (to say "3 hidden by filters"). */
	hidden: number;
	/** Rerouted away on this tablet and not synced yet: they leave the tablet once the server applies it. */
	handedOff: TodayItem[];
	/** Closed (today's done work, kept a while by the server). */
	done: TodayItem[];
}

export function isOverdue(view: OrderView, now: Date): boolean {
	const due = view.order.expected_datetime;
	return isOpen(view.order.status) && due !== null && Date.parse(due) < now.getTime();
}

function matches(item: TodayItem, filter: TodayFilter): boolean {
	const o = item.view.order;
	if (filter.status !== 'all' && o.status !== filter.status) return false;
	if (filter.serviceCode !== null && o.service_code !== filter.serviceCode) return false;
	if (filter.overdueOnly && !item.overdue) return false;
	const q = filter.query.trim().toLowerCase();
	if (q) {
		const text = [o.service_request_id, o.address ?? '', o.description ?? '', o.service_name].join(' ').toLowerCase();
		if (!text.includes(q)) return false;
	}
	return true;
}

/**
 * Orders of `crew` grouped for the Today screen. `route` gives each planned order its place; the others follow
 * by distance from `depot`, ties by request id.
 */
export function buildToday(views: readonly OrderView[], crew: string, depot: Point, filter: TodayFilter, now: Date, route: ReadonlyMap<string, number> = new Map()): TodayList {
	const place = (id: string) => route.get(id) ?? Infinity;
	const items = views
		.map((view) => ({ view, distance: Math.round(haversineMeters(depot, view.order)), overdue: isOverdue(view, now) }))
		.sort((a, b) => place(a.view.id) - place(b.view.id) || a.distance - b.distance || a.view.id.localeCompare(b.view.id));
	const mine = items.filter((i) => isOpen(i.view.order.status) && i.view.order.crew === crew);
	const open = mine.filter((i) => matches(i, filter));
	return {
		open,
		hidden: mine.length - open.length,
		handedOff: items.filter((i) => isOpen(i.view.order.status) && i.view.order.crew !== crew),
		done: items.filter((i) => !isOpen(i.view.order.status))
	};
}

/** The service types among the orders, for the filter's choices. */
export function serviceTypesOf(views: readonly OrderView[]): { code: string; name: string }[] {
	const byCode = new Map<string, string>();
	for (const v of views) byCode.set(v.order.service_code, v.order.service_name);
	return [...byCode].map(([code, name]) => ({ code, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Orders near `view` (for "mark as duplicate"): same service type first, then nearest; the order itself excluded. */
export const DUPLICATE_RADIUS_M = 300; // metres: the same pothole reported from the next corner

export function nearbyOrders(views: readonly OrderView[], view: OrderView, radiusM = DUPLICATE_RADIUS_M): TodayItem[] {
	return views
		.filter((v) => v.id !== view.id)
		.map((v) => ({ view: v, distance: Math.round(haversineMeters(view.order, v.order)), overdue: false }))
		.filter((i) => i.distance <= radiusM)
		.sort((a, b) => Number(b.view.order.service_code === view.order.service_code) - Number(a.view.order.service_code === view.order.service_code) || a.distance - b.distance);
}
