/// <reference lib="webworker" />
/**
 * The route worker: street graph, travel matrix and the solver run here, so the screen never waits on them.
 * One request at a time matters: a newer request cancels the one before (the client sends `cancel`, which
 * arrives while the solver hands the thread back every few milliseconds). Errors come back as values, as in
 * the photo worker: comlink would flatten them.
 */
import { expose } from 'comlink';
import { ROADS_URL } from '../map/area';
import { planRoute, type PlanRequest, type RoutePlan } from './plan';
import { RoadGraph } from './road-graph';
import { InvalidRouteError } from './route';

export type PlanOutcome =
	| { ok: true; plan: RoutePlan }
	| { ok: false; kind: 'cancelled' | 'failed'; message: string }
	| { ok: false; kind: 'invalid'; message: string; issues: string[] };

/** The street graph as stored with the offline map (or fetched), per map version; null: none to be had. */
let graph: { version: string; graph: Promise<RoadGraph | null> } | null = null;

async function loadGraph(): Promise<RoadGraph | null> {
	try {
		const res = (await caches.match(ROADS_URL)) ?? (await fetch(ROADS_URL));
		if (!res.ok) return null;
		return RoadGraph.fromBytes(await res.arrayBuffer());
	} catch (e) {
		console.warn('[route] no street graph, straight-line estimates:', e);
		return null;
	}
}

function graphFor(version: string): Promise<RoadGraph | null> {
	if (graph?.version !== version) graph = { version, graph: loadGraph() };
	const current = graph;
	// Not found (offline before the map was stored): try again next time instead of keeping "none".
	void current.graph.then((g) => {
		if (!g && graph === current) graph = null;
	});
	return current.graph;
}

const running = new Map<number, AbortController>();

const api = {
	/** Plans a route; `mapVersion` names the street graph to use (a new offline map may bring a new one). */
	async plan(id: number, request: PlanRequest, mapVersion: string, budgetMs?: number): Promise<PlanOutcome> {
		const controller = new AbortController();
		running.set(id, controller);
		try {
			const roads = await graphFor(mapVersion);
			if (controller.signal.aborted) return { ok: false, kind: 'cancelled', message: 'A newer request replaced this one' };
			const plan = await planRoute(request, roads, { signal: controller.signal, timeBudgetMs: budgetMs });
			if (controller.signal.aborted) return { ok: false, kind: 'cancelled', message: 'A newer request replaced this one' };
			return { ok: true, plan };
		} catch (e) {
			if (e instanceof InvalidRouteError) return { ok: false, kind: 'invalid', message: e.message, issues: e.issues };
			return { ok: false, kind: 'failed', message: e instanceof Error ? e.message : String(e) };
		} finally {
			running.delete(id);
		}
	},
	cancel(id: number): void {
		running.get(id)?.abort();
	}
};
export type RouteWorkerApi = typeof api;

expose(api);
