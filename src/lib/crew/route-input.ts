/**
 * What the crew's route is planned from (pure, unit-tested): the open stops of the crew with their service
 * minutes, priority and SLA deadline; where the crew is now; which stops stay where they are.
 *
 * Two ways to plan:
 * - `solve`: find the best order. Stops the crew is at or driving to come first; stops the crew dragged keep
 *   their place (locked); the rest is free.
 * - `evaluate`: keep the current order and recompute ETAs (as the crew progresses, or after a drag). Used
 *   whenever no new stop arrived, so the list does not reshuffle under the crew's fingers.
 */
import { DEFAULT_SERVICE_MINUTES, isOpen, type CrewCatalog, type Point } from '../domain';
import type { PlanRequest } from '../routing/plan';
import type { RouteStop } from '../routing/route';
import type { OrderView } from '../sync/order-view';

/** What the tablet remembers of the route (per crew, across reloads): the order and the stops the crew placed. */
export interface RouteMemory {
	order: string[];
	locked: string[];
}

export const EMPTY_MEMORY: RouteMemory = { order: [], locked: [] };

export type PlanMode = 'solve' | 'evaluate';

export interface RouteInput {
	mode: PlanMode;
	request: PlanRequest;
	/** Where the route starts, for people. */
	startLabel: string;
}

/** A deadline counts as a time window when it falls within this horizon (a day's work); later ones do not steer. */
export const DEADLINE_HORIZON_H = 10;
/** A stop closed this recently is where the crew is (when nothing says otherwise). */
const RECENT_H = 12;

const HOUR = 3600_000;
const ACTIVE_RANK: Record<string, number> = { on_site: 0, en_route: 1 };

/** The crew's open stops in the tablet's current route order: remembered ones first, new ones after. */
export function openStops(views: readonly OrderView[], crew: string): OrderView[] {
	return views.filter((v) => isOpen(v.order.status) && v.order.crew === crew);
}

/** Where the crew is: at the stop it is on site at, else the stop it closed last (recently), else the depot. */
export function routeStart(views: readonly OrderView[], crew: string, depot: Point & { name: string }, now: Date): { point: Point; label: string } {
	const mine = views.filter((v) => v.order.crew === crew);
	const onSite = mine.find((v) => v.order.status === 'on_site');
	if (onSite) return { point: { lat: onSite.order.lat, long: onSite.order.long }, label: `#${onSite.id} (on site)` };
	const closed = mine
		.filter((v) => v.order.status === 'closed' && v.order.closed_datetime && now.getTime() - Date.parse(v.order.closed_datetime) < RECENT_H * HOUR)
		.sort((a, b) => Date.parse(b.order.closed_datetime!) - Date.parse(a.order.closed_datetime!))[0];
	if (closed) return { point: { lat: closed.order.lat, long: closed.order.long }, label: `#${closed.id} (last closed)` };
	return { point: { lat: depot.lat, long: depot.long }, label: depot.name };
}

export function routeInput(
	views: readonly OrderView[],
	crew: string,
	depot: Point & { name: string },
	catalog: CrewCatalog | null,
	memory: RouteMemory,
	now: Date,
	force: PlanMode | null = null
): RouteInput | null {
	const open = openStops(views, crew);
	if (open.length === 0) return null;
	const byId = new Map(open.map((v) => [v.id, v]));
	const remembered = memory.order.filter((id) => byId.has(id));
	const fresh = open
		.filter((v) => !remembered.includes(v.id))
		.sort((a, b) => a.id.localeCompare(b.id))
		.map((v) => v.id);
	const mode: PlanMode = force ?? (fresh.length === 0 ? 'evaluate' : 'solve');
	// The stops the crew is at or on the way to go first, in that order; then the remembered order, then new ones.
	const active = open
		.filter((v) => v.order.status in ACTIVE_RANK)
		.sort((a, b) => ACTIVE_RANK[a.order.status]! - ACTIVE_RANK[b.order.status]! || Date.parse(b.order.updated_datetime) - Date.parse(a.order.updated_datetime))
		.map((v) => v.id);
	const sequence = [...active, ...[...remembered, ...fresh].filter((id) => !active.includes(id))];
	const serviceMinutes = new Map(catalog?.service_types.map((t) => [t.service_code, t.service_minutes]) ?? []);
	const locked = new Set(memory.locked);
	const start = routeStart(views, crew, depot, now);
	const stops: RouteStop[] = sequence.map((id, k) => {
		const o = byId.get(id)!.order;
		const due = o.expected_datetime ? Date.parse(o.expected_datetime) : NaN;
		const keep = mode === 'evaluate' || k < active.length || locked.has(id);
		return {
			id,
			lat: o.lat,
			long: o.long,
			service_min: serviceMinutes.get(o.service_code) ?? DEFAULT_SERVICE_MINUTES,
			priority: o.priority,
			...(due > now.getTime() && due - now.getTime() < DEADLINE_HORIZON_H * HOUR ? { window: { start: now.toISOString(), end: new Date(due).toISOString() } } : {}),
			...(keep ? { locked_at: k } : {})
		};
	});
	return { mode, request: { start: start.point, start_time: now.toISOString(), stops }, startLabel: start.label };
}

/** The order after the crew moved `id` to position `to` (clamped); the moved stop is locked there. */
export function moveStop(memory: RouteMemory, id: string, to: number): RouteMemory {
	const from = memory.order.indexOf(id);
	if (from === -1) return memory;
	const order = memory.order.filter((x) => x !== id);
	order.splice(Math.max(0, Math.min(order.length, to)), 0, id);
	return { order, locked: memory.locked.includes(id) ? memory.locked : [...memory.locked, id] };
}

export function unlockStop(memory: RouteMemory, id: string): RouteMemory {
	return { ...memory, locked: memory.locked.filter((x) => x !== id) };
}

/** Reads remembered route memory, tolerating anything (old format, damaged): the route is then solved afresh. */
export function parseMemory(raw: string | null): RouteMemory {
	try {
		const v = JSON.parse(raw ?? 'null') as Partial<RouteMemory> | null;
		const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
		return v && typeof v === 'object' ? { order: strings(v.order), locked: strings(v.locked) } : EMPTY_MEMORY;
	} catch {
		return EMPTY_MEMORY;
	}
}
