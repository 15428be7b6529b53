/**
 * The crew's route on this tablet, for screens: the planned order with ETAs and the street line, kept in step
 * with the tablet's orders (src/lib/crew/route-input.ts decides what to plan), planned in the route worker.
 * The order and the stops the crew placed are remembered per crew (localStorage), so an offline reload shows
 * the same route.
 */
import { untrack } from 'svelte';
import type { CrewCatalog, Point } from '../domain';
import { isAbortError, planRouteInWorker } from '../routing/client';
import type { RoutePlan } from '../routing/plan';
import type { OrderView } from '../sync/order-view';
import { moveStop, parseMemory, routeInput, unlockStop, type PlanMode, type RouteMemory } from './route-input';

/** Solver time for a fresh order (a 50-stop day: within a few % of a 20× longer search); an evaluation needs next to none. */
const SOLVE_BUDGET_MS = 100;
const EVALUATE_BUDGET_MS = 20;
/** ETAs move with the clock: the route is evaluated again this often while the screen is open. */
export const REFRESH_MS = 2 * 60_000;

export interface RouteSources {
	views: readonly OrderView[];
	catalog: CrewCatalog | null;
	mapVersion: string;
}

/** id → 0-based place (a fresh map per order: replaced, never mutated). */
const placesOf = (order: readonly string[]): ReadonlyMap<string, number> => new Map(order.map((id, k) => [id, k]));

const storageKey = (crew: string) => `fw:route:${crew}`;

export class CrewRoute {
	/** The last plan (null until the first one, or when there is nothing open). */
	plan = $state.raw<RoutePlan | null>(null);
	memory = $state.raw<RouteMemory>({ order: [], locked: [] });
	planning = $state(false);
	error = $state<string | null>(null);
	startLabel = $state('');
	#sources: RouteSources | null = null;
	#lastKey = '';

	constructor(
		readonly crew: string,
		readonly depot: Point & { name: string },
		private readonly store: Pick<Storage, 'getItem' | 'setItem'> | null = globalThis.localStorage ?? null
	) {
		this.memory = parseMemory(store?.getItem(storageKey(crew)) ?? null);
	}

	/** The 0-based place of each planned stop (the route order), for lists and markers. */
	readonly position: ReadonlyMap<string, number> = $derived(placesOf(this.plan?.order ?? this.memory.order));

	/** The 1-based stop number of an order in the route, or null when it is not in it (yet). */
	numberOf(id: string): number | null {
		const k = this.position.get(id);
		return k === undefined ? null : k + 1;
	}

	/** Call whenever the tablet's orders, rules or map change: plans again only when the route's input changed. */
	update(sources: RouteSources): void {
		this.#sources = sources;
		untrack(() => void this.#run(null));
	}

	/** Re-optimize: a fresh order for the free stops (the ones the crew placed stay). */
	reoptimize(): Promise<void> {
		return this.#run('solve');
	}

	/** The crew moved a stop: it stays there (locked) and the ETAs follow the new order. */
	move(id: string, to: number): Promise<void> {
		this.#remember(moveStop(this.memory, id, to));
		return this.#run('evaluate');
	}

	unlock(id: string): Promise<void> {
		this.#remember(unlockStop(this.memory, id));
		return this.#run('evaluate');
	}

	/** Evaluate again with the clock moved on (ETAs from now). */
	refresh(): Promise<void> {
		return this.#run(null, true);
	}

	#remember(memory: RouteMemory): void {
		this.memory = memory;
		try {
			this.store?.setItem(storageKey(this.crew), JSON.stringify(memory));
		} catch (e) {
			console.warn('[route] could not remember the route order:', e); // full storage: the route is solved again next time
		}
	}

	async #run(force: PlanMode | null, clockOnly = false): Promise<void> {
		const s = this.#sources;
		if (!s) return;
		// eslint-disable-next-line svelte/prefer-svelte-reactivity -- a moment in time, read once, not state
		const now = new Date();
		const input = routeInput(s.views, this.crew, this.depot, s.catalog, this.memory, now, force);
		if (!input) {
			this.plan = null;
			this.#lastKey = '';
			return;
		}
		// The same stops, places, rules and map as last time: nothing to do (sync brings the same orders often).
		const key = JSON.stringify({ stops: input.request.stops.map((x) => ({ ...x, window: undefined })), start: input.request.start, map: s.mapVersion, mode: input.mode });
		if (!force && !clockOnly && key === this.#lastKey) return;
		this.#lastKey = key;
		this.planning = true;
		try {
			const plan = await planRouteInWorker(input.request, { mapVersion: s.mapVersion, budgetMs: input.mode === 'solve' ? SOLVE_BUDGET_MS : EVALUATE_BUDGET_MS });
			this.plan = plan;
			this.startLabel = input.startLabel;
			this.error = null;
			this.#remember({ order: plan.order, locked: this.memory.locked.filter((id) => plan.order.includes(id)) });
			this.planning = false;
		} catch (e) {
			if (isAbortError(e)) return; // a newer request is on its way; it clears `planning`
			this.#lastKey = '';
			this.planning = false;
			this.error = e instanceof Error ? e.message : String(e);
		}
	}
}
