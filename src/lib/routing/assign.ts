/**
 * Auto-suggest for the supervisors' dispatch board: a crew for each selected unassigned order, balancing
 * travel against workload. Regret insertion, the classic VRP construction (Potvin & Rousseau 1993): every crew's
 * day is an open path from its start through its open orders; each round, the order that would lose the most by
 * not getting its best crew (second-best cost minus best) is inserted where it is cheapest. An order only ever
 * goes to a crew of its own department. Pure and deterministic: ties go to the smaller id, no randomness, no
 * clock; input order does not matter.
 */
import { z } from 'zod';
import { latitude, longitude, pointSchema, type Point } from '../domain/common';
import { haversineKm, straightMinutes } from './route';

export const WORKDAY_MINUTES = 8 * 60; // a crew's shift
/**
 * Weight of the balance term: an order costs a crew BALANCE_WEIGHT × (load² after − load² before) / workday
 * minutes on top of its own, i.e. about its own minutes again for every half day already on the crew, so an idle
 * crew wins over a busy one at similar distance, while a near crew still wins when loads are close.
 */
export const BALANCE_WEIGHT = 1;
/** Cost per minute past the workday: steep, so overtime only happens where no crew of the department has room. */
export const OVERTIME_PENALTY = 10;
/** Minutes added to a crew that does not usually handle the order's service code (it may lack the truck or parts). */
export const OFF_CODE_PENALTY = 60;

// Bounds on one request: a board selection, not a city's backlog (they also bound the work, ~O(orders² × crews)).
const MAX_ORDERS = 500;
const MAX_CREWS = 100;
const MAX_STOPS_PER_CREW = 200;
const MINUTES_PER_DAY = 24 * 60;
/** Drive deltas closer than this are the same distance when naming the nearest crew (floating-point noise). */
const SAME_MINUTES = 1e-6;

const id = z.string().min(1).max(200);
const minutes = z.number().finite().nonnegative();

export const workStopSchema = z.object({ id, lat: latitude, long: longitude, service_minutes: minutes });
export type WorkStop = z.infer<typeof workStopSchema>;

export const crewForSuggestSchema = z.object({
	id,
	department: id,
	service_codes: z.array(id).readonly(),
	/** Last known position, or the depot. */
	start: pointSchema,
	/** The crew's open orders now. */
	stops: z.array(workStopSchema).max(MAX_STOPS_PER_CREW).readonly()
});
export type CrewForSuggest = z.infer<typeof crewForSuggestSchema>;

export const orderForSuggestSchema = workStopSchema.extend({ department: id, service_code: id });
export type OrderForSuggest = z.infer<typeof orderForSuggestSchema>;

type IdIssue = { path: 'crews' | 'orders'; message: string };

/** Crew ids are unique; so are work ids, across the orders and every crew's stops (an order is in one place). */
function duplicateIds(input: { crews: readonly CrewForSuggest[]; orders: readonly OrderForSuggest[] }): IdIssue[] {
	const issues: IdIssue[] = [];
	const crewIds = new Set<string>();
	for (const c of input.crews) {
		if (crewIds.has(c.id)) issues.push({ path: 'crews', message: `crew id "${c.id}" appears twice` });
		crewIds.add(c.id);
	}
	const workIds = new Set<string>();
	for (const s of [...input.crews.flatMap((c) => c.stops), ...input.orders]) {
		if (workIds.has(s.id)) issues.push({ path: 'orders', message: `id "${s.id}" appears twice among the orders and the crews' stops` });
		workIds.add(s.id);
	}
	return issues;
}

export const suggestInputSchema = z
	.object({
		crews: z.array(crewForSuggestSchema).max(MAX_CREWS).readonly(),
		orders: z.array(orderForSuggestSchema).max(MAX_ORDERS).readonly(),
		workdayMinutes: z.number().finite().positive().max(MINUTES_PER_DAY).optional()
	})
	.superRefine((input, ctx) => {
		for (const issue of duplicateIds(input)) ctx.addIssue({ code: 'custom', path: [issue.path], message: issue.message });
	});
export type SuggestInput = z.infer<typeof suggestInputSchema>;

export interface CrewWorkload {
	crew: string;
	orders: number;
	/** Service + drive, rounded. */
	minutes: number;
}

export interface Suggestion {
	order: string;
	/** null: no crew can take it. */
	crew: string | null;
	/** The crew's day grows by this (drive delta + service), rounded. */
	added_minutes: number;
	/** Short human text, e.g. "handles pothole, nearest with room: +23 min" or "no crew of department usps". */
	reason: string;
}

export interface SuggestResult {
	/** In the order of the input orders. */
	suggestions: Suggestion[];
	/** Every crew, by id: now, and with the suggested orders (planned afresh by estimateWorkload). */
	before: CrewWorkload[];
	after: CrewWorkload[];
}

/** What the server answers: the result, and the selected orders no suggestion was made for (assigned, closed, unknown), with why. */
export interface SuggestAnswer extends SuggestResult {
	skipped: { order: string; reason: string }[];
}

export class InvalidSuggestError extends Error {
	override name = 'InvalidSuggestError';
	constructor(readonly issues: string[]) {
		super(`The suggest request is not valid: ${issues.join('; ')}`);
	}
}

/** Parses and checks a request; throws InvalidSuggestError with every reason. */
export function parseSuggestInput(input: unknown): SuggestInput {
	const parsed = suggestInputSchema.safeParse(input);
	if (!parsed.success) throw new InvalidSuggestError(parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`));
	return parsed.data;
}

const travel = (a: Point, b: Point) => straightMinutes(haversineKm(a, b));
/** Code-unit order: the same everywhere, unlike localeCompare. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byId = (a: { id: string }, b: { id: string }) => compareIds(a.id, b.id);

/**
 * An open path from `start` through `stops` by cheapest insertion, farthest stop first (ties by id), so the
 * result depends on the set of stops, not their order. Returns stop indices in visiting order and drive minutes.
 */
function planPath(start: Point, stops: readonly WorkStop[]): { order: number[]; drive: number } {
	const fromStart = stops.map((s) => travel(start, s));
	const farthestFirst = stops.map((_, i) => i).sort((a, b) => fromStart[b]! - fromStart[a]! || compareIds(stops[a]!.id, stops[b]!.id));
	const order: number[] = [];
	for (const i of farthestFirst) {
		const s = stops[i]!;
		let best = Infinity;
		let bestAt = 0;
		for (let k = 0; k <= order.length; k++) {
			const prev = k === 0 ? start : stops[order[k - 1]!]!;
			const next = k === order.length ? null : stops[order[k]!]!;
			// Open path: appending after the last stop costs only the incoming leg.
			const delta = travel(prev, s) + (next ? travel(s, next) - travel(prev, next) : 0);
			if (delta < best) {
				best = delta;
				bestAt = k;
			}
		}
		order.splice(bestAt, 0, i);
	}
	let drive = 0;
	let prev: Point = start;
	for (const i of order) {
		drive += travel(prev, stops[i]!);
		prev = stops[i]!;
	}
	return { order, drive };
}

/** A crew's day in whole minutes (drive along a cheapest-insertion open path from `start`, plus service). */
export function estimateWorkload(start: Point, stops: readonly WorkStop[]): { minutes: number; orders: number } {
	const { drive } = planPath(start, stops);
	return { minutes: Math.round(drive + stops.reduce((sum, s) => sum + s.service_minutes, 0)), orders: stops.length };
}

/** `next` value of the last node of a route: the path is open, the crew does not drive back. */
const END = -1;

export function suggestCrews(input: { crews: readonly CrewForSuggest[]; orders: readonly OrderForSuggest[]; workdayMinutes?: number }): SuggestResult {
	const parsed = parseSuggestInput(input);
	const workday = parsed.workdayMinutes ?? WORKDAY_MINUTES;
	// Everything is indexed in id order, so shuffled input gives the same result.
	const crews = [...parsed.crews].sort(byId);
	const orders = [...parsed.orders].sort(byId);
	const C = crews.length;
	const O = orders.length;

	// Route nodes: crew starts (node c is crew c's start), then the crews' stops, then the orders.
	const points: Point[] = [...crews.map((c) => c.start), ...crews.flatMap((c) => c.stops), ...orders];
	const firstOrderNode = points.length - O;
	const next = new Int32Array(points.length).fill(END);
	/** Drive minutes of the leg leaving each node (0 at a route's end). */
	const leg = new Float64Array(points.length);
	/** Each crew's day so far: drive + service minutes. */
	const load = new Float64Array(C);
	let stopNode = C;
	crews.forEach((crew, c) => {
		const { order, drive } = planPath(crew.start, crew.stops);
		let prev = c;
		for (const i of order) {
			const node = stopNode + i;
			next[prev] = node;
			leg[prev] = travel(points[prev]!, points[node]!); // planPath's legs, kept per node for the splices below
			prev = node;
		}
		load[c] = drive + crew.stops.reduce((sum, s) => sum + s.service_minutes, 0);
		stopNode += crew.stops.length;
	});

	const minutesBetween = (a: number, b: number) => travel(points[a]!, points[b]!);
	/**
	 * Extra drive of putting a point after node x, `fromX` minutes from x and `toNext` from the node after it
	 * (ignored at the end: an open path pays only the incoming leg).
	 */
	const detour = (x: number, fromX: number, toNext: number) => Math.max(0, fromX + (next[x] === END ? 0 : toNext - leg[x]!));

	// Cache, per (order, crew): the cheapest insertion's drive delta and the node it goes after. Only the crew
	// that just received an order changes, and only around the new order, so most entries survive a round.
	const eligible: number[][] = orders.map((o) => crews.flatMap((crew, c) => (crew.department === o.department ? [c] : [])));
	const bestDelta = new Float64Array(O * C).fill(Infinity);
	const bestAfter = new Int32Array(O * C).fill(END);
	const scan = (o: number, c: number) => {
		const q = firstOrderNode + o;
		let best = Infinity;
		let after = END;
		let fromX = minutesBetween(c, q);
		for (let x = c; x !== END; x = next[x]!) {
			const toNext = next[x] === END ? 0 : minutesBetween(q, next[x]!);
			const d = detour(x, fromX, toNext);
			if (d < best) {
				best = d;
				after = x;
			}
			fromX = toNext; // each leg to q is measured once
		}
		bestDelta[o * C + c] = best;
		bestAfter[o * C + c] = after;
	};
	for (let o = 0; o < O; o++) for (const c of eligible[o]!) scan(o, c);

	/** The objective's increase: added minutes, the service-code preference, balance, then overtime. */
	const offCode = new Float64Array(O * C);
	for (let o = 0; o < O; o++) for (const c of eligible[o]!) offCode[o * C + c] = crews[c]!.service_codes.includes(orders[o]!.service_code) ? 0 : OFF_CODE_PENALTY;
	const costOf = (o: number, c: number) => {
		const added = bestDelta[o * C + c]! + orders[o]!.service_minutes;
		const before = load[c]!;
		const after = before + added;
		return (
			added +
			offCode[o * C + c]! +
			(BALANCE_WEIGHT * (after * after - before * before)) / workday +
			OVERTIME_PENALTY * Math.max(0, after - Math.max(before, workday))
		);
	};
	/** costOf per (order, crew), kept current: it changes only for the crew that just received an order. */
	const cost = new Float64Array(O * C).fill(Infinity);
	for (let o = 0; o < O; o++) for (const c of eligible[o]!) cost[o * C + c] = costOf(o, c);

	const room = (dayAfter: number) => (dayAfter <= workday ? ' with room' : `, ${Math.round(dayAfter - workday)} min past the workday`);
	const reason = (o: number, c: number, added: number) => {
		const order = orders[o]!;
		const candidates = eligible[o]!;
		if (candidates.length === 1) return `only crew of department ${order.department}${room(load[c]! + added)}: +${Math.round(added)} min`;
		const handles = (k: number) => offCode[o * C + k] === 0;
		const what = handles(c) ? `handles ${order.service_code}` : candidates.some(handles) ? `${order.service_code} crews farther or busier` : 'same department';
		const nearest = candidates.every((k) => bestDelta[o * C + k]! >= bestDelta[o * C + c]! - SAME_MINUTES);
		const idlest = candidates.every((k) => load[k]! >= load[c]!);
		const rank = nearest && idlest ? 'nearest and least busy' : nearest ? 'nearest' : idlest ? 'least busy' : 'best mix of travel and load';
		return `${what}, ${rank}${room(load[c]! + added)}: +${Math.round(added)} min`;
	};

	const suggestion = new Map<string, Suggestion>();
	const assigned: OrderForSuggest[][] = crews.map(() => []);
	const open = new Uint8Array(O);
	let remaining = 0;
	for (let o = 0; o < O; o++) {
		if (eligible[o]!.length > 0) {
			open[o] = 1;
			remaining++;
		} else {
			const order = orders[o]!;
			suggestion.set(order.id, { order: order.id, crew: null, added_minutes: 0, reason: `no crew of department ${order.department}` });
		}
	}

	while (remaining > 0) {
		// The order with the largest regret; one with a single candidate has infinite regret. Ties: smaller id.
		let pick = -1;
		let pickCrew = -1;
		let pickRegret = -Infinity;
		for (let o = 0; o < O; o++) {
			if (!open[o]) continue;
			let best = Infinity;
			let second = Infinity;
			let bestCrew = -1;
			for (const c of eligible[o]!) {
				const k = cost[o * C + c]!;
				if (k < best) {
					second = best;
					best = k;
					bestCrew = c;
				} else if (k < second) second = k;
			}
			const regret = second - best;
			if (regret > pickRegret) {
				pick = o;
				pickCrew = bestCrew;
				pickRegret = regret;
			}
		}

		const o = pick;
		const c = pickCrew;
		const added = bestDelta[o * C + c]! + orders[o]!.service_minutes;
		suggestion.set(orders[o]!.id, { order: orders[o]!.id, crew: crews[c]!.id, added_minutes: Math.round(added), reason: reason(o, c, added) });
		assigned[c]!.push(orders[o]!);
		open[o] = 0;
		remaining--;

		// Splice the order into the crew's path: x → q → y.
		const x = bestAfter[o * C + c]!;
		const q = firstOrderNode + o;
		const y = next[x]!;
		next[x] = q;
		next[q] = y;
		leg[x] = minutesBetween(x, q);
		leg[q] = y === END ? 0 : minutesBetween(q, y);
		load[c]! += added;

		// Edge x → y is gone; x → q and q → y are new; every other edge of the crew is unchanged.
		for (let r = 0; r < O; r++) {
			if (!open[r] || cost[r * C + c] === Infinity) continue; // Infinity: c is not of r's department
			if (bestAfter[r * C + c] === x) scan(r, c);
			else {
				const toQ = minutesBetween(firstOrderNode + r, q);
				const options = [
					[x, detour(x, minutesBetween(x, firstOrderNode + r), toQ)],
					[q, detour(q, toQ, y === END ? 0 : minutesBetween(firstOrderNode + r, y))]
				] as const;
				for (const [edge, d] of options)
					if (d < bestDelta[r * C + c]!) {
						bestDelta[r * C + c] = d;
						bestAfter[r * C + c] = edge;
					}
			}
			cost[r * C + c] = costOf(r, c);
		}
	}

	const workload = (crew: CrewForSuggest, stops: readonly WorkStop[]): CrewWorkload => ({ crew: crew.id, ...estimateWorkload(crew.start, stops) });
	return {
		suggestions: parsed.orders.map((o) => suggestion.get(o.id)!),
		before: crews.map((crew) => workload(crew, crew.stops)),
		after: crews.map((crew, c) => workload(crew, [...crew.stops, ...assigned[c]!]))
	};
}
