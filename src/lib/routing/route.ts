/**
 * A crew's day as an open route from a start (the crew's position or depot): stops with service minutes,
 * priority, an optional time window and an optional locked position. Cost, in minutes: travel time, plus
 * LATE_PENALTY per minute past a window's end, plus waiting, plus a priority term that pulls urgent and high
 * stops forward (weighted arrival times). Solved by local search (relocate of 1–3 stops, 2-opt) from a
 * deadline-first start, then perturbation while the time budget lasts. Pure and deterministic for a seed.
 */
import { z } from 'zod';
import { haversineMeters, type Point } from '../domain/common';
import { rng } from './tsp';

export const PRIORITY_WEIGHT = { low: 0, normal: 0.02, high: 0.1, urgent: 0.5 } as const; // cost per minute of arrival
export const LATE_PENALTY = 100; // cost per minute late: a window is met whenever an order can meet it
const DEFAULT_BUDGET_MS = 100;
/** Perturbations without improvement, per stop, after which the search stops before its budget. */
const STALE_KICKS_PER_STOP = 20;

const isoTime = z.iso.datetime({ offset: true });

export const routeStopSchema = z
	.object({
		id: z.string().min(1),
		lat: z.number().finite().min(-90).max(90),
		long: z.number().finite().min(-180).max(180),
		service_min: z.number().finite().nonnegative().default(15),
		priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'),
		window: z.object({ start: isoTime, end: isoTime }).optional(),
		/** Keep this stop at this 0-based position (the crew dragged it there). */
		locked_at: z.number().int().nonnegative().optional()
	})
	.refine((s) => !s.window || Date.parse(s.window.end) > Date.parse(s.window.start), { message: 'a time window must end after it starts', path: ['window'] });
export type RouteStop = z.input<typeof routeStopSchema>;

export const routeRequestSchema = z
	.object({
		start: z.object({ lat: z.number().finite().min(-90).max(90), long: z.number().finite().min(-180).max(180) }),
		start_time: isoTime,
		stops: z.array(routeStopSchema).min(1, 'give at least one stop'),
		/** Travel minutes, row-major (start, stop 0, stop 1, …)²; absent: straight line × detour at city speed. */
		minutes: z.array(z.number().finite().nonnegative()).optional(),
		/** Road kilometres, same layout as minutes (for the totals); absent: straight line × detour. */
		km: z.array(z.number().finite().nonnegative()).optional()
	})
	.refine((r) => new Set(r.stops.map((s) => s.id)).size === r.stops.length, { message: 'stop ids must be unique', path: ['stops'] })
	.refine((r) => !r.minutes || r.minutes.length === (r.stops.length + 1) ** 2, { message: 'minutes must be (stops + 1)² entries', path: ['minutes'] })
	.refine((r) => !r.km || r.km.length === (r.stops.length + 1) ** 2, { message: 'km must be (stops + 1)² entries', path: ['km'] })
	.refine((r) => r.stops.every((s) => s.locked_at === undefined || s.locked_at < r.stops.length), { message: 'a locked position is past the last stop', path: ['stops'] })
	.refine((r) => new Set(r.stops.filter((s) => s.locked_at !== undefined).map((s) => s.locked_at)).size === r.stops.filter((s) => s.locked_at !== undefined).length, {
		message: 'two stops are locked at the same position',
		path: ['stops']
	});
export type RouteRequest = z.input<typeof routeRequestSchema>;

export interface RouteLeg {
	id: string;
	/** Arrival and departure, ISO. */
	eta: string;
	departs: string;
	late_min: number;
	wait_min: number;
	travel_min: number;
	locked: boolean;
}

export interface RouteResult {
	order: string[];
	legs: RouteLeg[];
	total_travel_min: number;
	total_late_min: number;
	/** Kilometres along the route: by road when the request carries `km`, else straight line × detour. */
	total_km: number;
	finish: string;
}

export class InvalidRouteError extends Error {
	override name = 'InvalidRouteError';
	constructor(readonly issues: string[]) {
		super(`The route request is not valid: ${issues.join('; ')}`);
	}
}

export const CITY_SPEED_KMH = 20; // average door-to-door speed of a city truck, stops and lights included
export const DETOUR_FACTOR = 1.35; // road distance / straight line, typical of a street grid
export const haversineKm = (a: Point, b: Point): number => haversineMeters(a, b) / 1000;

/** Travel minutes estimated from straight-line kilometres (detour factor at city speed). */
export const straightMinutes = (km: number) => ((km * DETOUR_FACTOR) / CITY_SPEED_KMH) * 60;

interface Prepared {
	n: number;
	/** (n+1)² minutes; index 0 is the start. */
	minutes: Float64Array;
	km: Float64Array;
	service: Float64Array;
	weight: Float64Array;
	open: Float64Array;
	close: Float64Array;
	locked: Int32Array; // -1 or position
	t0: number;
}

function prepare(r: ParsedRouteRequest): Prepared {
	const n = r.stops.length;
	const points = [r.start, ...r.stops];
	const size = n + 1;
	const km = new Float64Array(size * size);
	const minutes = new Float64Array(size * size);
	if (r.km) km.set(r.km);
	if (r.minutes) minutes.set(r.minutes);
	// Straight-line estimates only for what the request did not measure.
	if (!r.km || !r.minutes)
		for (let i = 0; i < size; i++)
			for (let j = 0; j < size; j++) {
				const d = i === j ? 0 : haversineKm(points[i]!, points[j]!);
				if (!r.km) km[i * size + j] = d * DETOUR_FACTOR;
				if (!r.minutes) minutes[i * size + j] = straightMinutes(d);
			}
	const t0 = Date.parse(r.start_time);
	const toMin = (iso: string) => (Date.parse(iso) - t0) / 60000;
	return {
		n,
		minutes,
		km,
		service: Float64Array.from(r.stops, (s) => s.service_min),
		weight: Float64Array.from(r.stops, (s) => PRIORITY_WEIGHT[s.priority]),
		open: Float64Array.from(r.stops, (s) => (s.window ? toMin(s.window.start) : -Infinity)),
		close: Float64Array.from(r.stops, (s) => (s.window ? toMin(s.window.end) : Infinity)),
		locked: Int32Array.from(r.stops, (s) => s.locked_at ?? -1),
		t0
	};
}

/**
 * Cost of visiting stops in `order` (indices into stops) from position `from` on, given the clock `t`, the
 * cost so far `c` and the previous point `prev` (0 = start) at that position.
 */
function costFrom(p: Prepared, order: Int32Array, from: number, t: number, c: number, prev: number): number {
	const size = p.n + 1;
	for (let k = from; k < order.length; k++) {
		const s = order[k]!;
		const travel = p.minutes[prev * size + s + 1]!;
		t += travel;
		c += travel;
		if (t < p.open[s]!) {
			c += p.open[s]! - t; // waiting is lost time too
			t = p.open[s]!;
		}
		if (t > p.close[s]!) c += LATE_PENALTY * (t - p.close[s]!);
		c += p.weight[s]! * t;
		t += p.service[s]!;
		prev = s + 1;
	}
	return c;
}

const cost = (p: Prepared, order: Int32Array): number => costFrom(p, order, 0, 0, 0, 0);

/** Clock and cost before each position of `order` (index k: before visiting order[k]; index n: the end). */
function prefixes(p: Prepared, order: Int32Array, t: Float64Array, c: Float64Array): void {
	const size = p.n + 1;
	let time = 0;
	let total = 0;
	let prev = 0;
	for (let k = 0; k < order.length; k++) {
		t[k] = time;
		c[k] = total;
		const s = order[k]!;
		const travel = p.minutes[prev * size + s + 1]!;
		time += travel;
		total += travel;
		if (time < p.open[s]!) {
			total += p.open[s]! - time;
			time = p.open[s]!;
		}
		if (time > p.close[s]!) total += LATE_PENALTY * (time - p.close[s]!);
		total += p.weight[s]! * time;
		time += p.service[s]!;
		prev = s + 1;
	}
	t[order.length] = time;
	c[order.length] = total;
}

/** Whether positions lo..hi-1 of `order` hold only free stops or stops locked at exactly that position. */
function respectsLocksIn(p: Prepared, order: Int32Array, lo: number, hi: number): boolean {
	for (let k = lo; k < hi; k++) {
		const l = p.locked[order[k]!]!;
		if (l !== -1 && l !== k) return false;
	}
	return true;
}

function initialOrder(p: Prepared): Int32Array {
	const free = Array.from({ length: p.n }, (_, i) => i)
		.filter((i) => p.locked[i] === -1)
		.sort((a, b) => p.close[a]! - p.close[b]! || p.weight[b]! - p.weight[a]! || p.minutes[a + 1]! - p.minutes[b + 1]! || a - b);
	const order = new Int32Array(p.n).fill(-1);
	for (let i = 0; i < p.n; i++) if (p.locked[i] !== -1) order[p.locked[i]!] = i;
	let f = 0;
	for (let k = 0; k < p.n; k++) if (order[k] === -1) order[k] = free[f++]!;
	return order;
}

/** Evaluations between two looks at the clock and the signal inside a pass. */
const CHECK_EVERY = 64;

/**
 * First-improvement passes of 2-opt and relocate (blocks of 1–3 stops) until no move improves, the deadline
 * passes or the signal fires; returns the cost. A move is evaluated from the first position it changes, on
 * the clock and cost the unchanged prefix reached (the suffix must be re-timed: arrival times move).
 */
function improve(p: Prepared, order: Int32Array, current: number, deadline: number, now: () => number, signal?: AbortSignal): number {
	const n = p.n;
	const trial = Int32Array.from(order);
	const preT = new Float64Array(n + 1);
	const preC = new Float64Array(n + 1);
	let evaluations = 0;
	const outOfTime = () => ++evaluations % CHECK_EVERY === 0 && (now() >= deadline || signal?.aborted === true);
	/** Cost of `trial` (equal to `order` before `lo`) from position lo. */
	const trialCost = (lo: number) => costFrom(p, trial, lo, preT[lo]!, preC[lo]!, lo === 0 ? 0 : order[lo - 1]! + 1);
	const accept = (lo: number, hi: number, c: number) => {
		order.set(trial.subarray(lo, hi), lo);
		current = c;
		prefixes(p, order, preT, preC);
	};
	const restore = (lo: number, hi: number) => trial.set(order.subarray(lo, hi), lo);
	prefixes(p, order, preT, preC);
	let improved = true;
	while (improved && now() < deadline && !signal?.aborted) {
		improved = false;
		// 2-opt: reverse order[i..j]
		search2opt: for (let i = 0; i < n - 1; i++)
			for (let j = i + 1; j < n; j++) {
				if (outOfTime()) return current;
				for (let a = i, b = j; a <= j; a++, b--) trial[a] = order[b]!;
				if (respectsLocksIn(p, trial, i, j + 1)) {
					const c = trialCost(i);
					if (c < current - 1e-9) {
						accept(i, j + 1, c);
						improved = true;
						break search2opt;
					}
				}
				restore(i, j + 1);
			}
		if (improved) continue;
		// relocate a block of 1–3 stops from position i to position j (counted without the block)
		searchRelocate: for (let len = 1; len <= 3; len++)
			for (let i = 0; i + len <= n; i++)
				for (let j = 0; j + len <= n; j++) {
					if (j === i) continue;
					if (outOfTime()) return current;
					const lo = Math.min(i, j);
					const hi = Math.max(i, j) + len;
					for (let k = lo; k < hi; k++) {
						if (k >= j && k < j + len) trial[k] = order[i + k - j]!; // the block
						else {
							const r = k < j ? k : k - len; // position in the order without the block
							trial[k] = order[r < i ? r : r + len]!;
						}
					}
					if (respectsLocksIn(p, trial, lo, hi)) {
						const c = trialCost(lo);
						if (c < current - 1e-9) {
							accept(lo, hi, c);
							improved = true;
							break searchRelocate;
						}
					}
					restore(lo, hi);
				}
	}
	return current;
}

export interface RouteOptions {
	timeBudgetMs?: number;
	seed?: number;
	signal?: AbortSignal;
	now?: () => number;
}

/** Parses and checks a request; throws InvalidRouteError with every reason. */
export type ParsedRouteRequest = z.output<typeof routeRequestSchema>;

export function parseRouteRequest(request: RouteRequest): ParsedRouteRequest {
	const parsed = routeRequestSchema.safeParse(request);
	if (!parsed.success) throw new InvalidRouteError(parsed.error.issues.map((i) => `${i.path.join('.') || '(request)'}: ${i.message}`));
	return parsed.data;
}

/**
 * The search as a generator: it yields between perturbations, so a caller can hand the thread back (the route
 * worker does, to hear a cancel) and stop it at any point; its return value is the best order found.
 */
function* search(p: Prepared, options: RouteOptions, startedAt: number): Generator<void, Int32Array> {
	const now = options.now ?? (() => performance.now());
	const deadline = startedAt + (options.timeBudgetMs ?? DEFAULT_BUDGET_MS);
	const random = rng(options.seed ?? 1);
	const order = initialOrder(p);
	let current = improve(p, order, cost(p, order), deadline, now, options.signal);
	const best = Int32Array.from(order);
	let bestCost = current;
	const free = Array.from({ length: p.n }, (_, k) => k).filter((k) => p.locked[order[k]!] === -1);
	// Perturb: swap two random free positions, improve, keep if better; stop early once nothing improves.
	let stale = 0;
	while (free.length >= 3 && stale < STALE_KICKS_PER_STOP * p.n && now() < deadline && !options.signal?.aborted) {
		yield;
		stale++;
		const a = free[Math.floor(random() * free.length)]!;
		const b = free[Math.floor(random() * free.length)]!;
		if (a === b) continue;
		const trial = Int32Array.from(best);
		const tmp = trial[a]!;
		trial[a] = trial[b]!;
		trial[b] = tmp;
		current = improve(p, trial, cost(p, trial), deadline, now, options.signal);
		if (current < bestCost - 1e-9) {
			best.set(trial);
			bestCost = current;
			stale = 0;
		}
	}
	return best;
}

/** The time budget counts from the call: checking the request and preparing the matrices are part of it. */
export function solveRoute(request: RouteRequest, options: RouteOptions = {}): RouteResult {
	const startedAt = (options.now ?? (() => performance.now()))();
	const r = parseRouteRequest(request);
	const p = prepare(r);
	const run = search(p, options, startedAt);
	let step = run.next();
	while (!step.done) step = run.next();
	return describe(p, r, step.value);
}

/** How long the async search works before handing the thread back (to messages, a cancel). */
const SLICE_MS = 8;

/**
 * solveRoute that hands the thread back every few milliseconds, so `signal` can be fired by a message that
 * arrives while it works (in the route worker: a newer request). Resolves with the best order so far when
 * aborted; the caller decides whether that result is still wanted.
 */
export async function solveRouteAsync(request: RouteRequest, options: RouteOptions = {}): Promise<RouteResult> {
	const startedAt = (options.now ?? (() => performance.now()))();
	return solveParsedAsync(parseRouteRequest(request), options, startedAt);
}

/**
 * solveRouteAsync for a request already checked by parseRouteRequest (the planner checks it before measuring
 * the matrices, then adds them: they are its own, not input to check again). `startedAt`: when the budget began.
 */
export async function solveParsedAsync(r: ParsedRouteRequest, options: RouteOptions, startedAt: number): Promise<RouteResult> {
	const now = options.now ?? (() => performance.now());
	const p = prepare(r);
	const run = search(p, options, startedAt);
	let sliceEnd = now() + SLICE_MS;
	let step = run.next();
	while (!step.done) {
		if (now() >= sliceEnd) {
			await new Promise((resolve) => setTimeout(resolve, 0));
			sliceEnd = now() + SLICE_MS;
		}
		step = run.next();
	}
	return describe(p, r, step.value);
}

function describe(p: Prepared, r: ParsedRouteRequest, order: Int32Array): RouteResult {
	const size = p.n + 1;
	const iso = (min: number) => new Date(p.t0 + min * 60000).toISOString();
	let t = 0;
	let prev = 0;
	let travelSum = 0;
	let lateSum = 0;
	let km = 0;
	const legs: RouteLeg[] = [];
	for (const s of order) {
		const travel = p.minutes[prev * size + s + 1]!;
		km += p.km[prev * size + s + 1]!;
		t += travel;
		travelSum += travel;
		const wait = Math.max(0, p.open[s]! - t);
		t += wait;
		const late = Math.max(0, t - p.close[s]!);
		lateSum += late;
		legs.push({ id: r.stops[s]!.id, eta: iso(t), departs: iso(t + p.service[s]!), late_min: late, wait_min: wait, travel_min: travel, locked: p.locked[s] !== -1 });
		t += p.service[s]!;
		prev = s + 1;
	}
	return { order: legs.map((l) => l.id), legs, total_travel_min: travelSum, total_late_min: lateSum, total_km: km, finish: iso(t) };
}
