/**
 * A crew's route, planned: travel on the streets (road graph, straight-line fallback), the stop order from the
 * solver, and the line to draw on the map. What the route worker runs; pure apart from the clock.
 */
import type { Point } from '../domain/common';
import type { RoadGraph } from './road-graph';
import { parseRouteRequest, solveParsedAsync, type RouteOptions, type RouteRequest, type RouteResult } from './route';
import { legGeometry, travelMatrix } from './travel';

/** A route request without the matrices: the planner measures them. */
export type PlanRequest = Omit<RouteRequest, 'minutes' | 'km'>;

export interface RoutePlan extends RouteResult {
	/** The route from the start through every stop as [long, lat] pairs, along the streets where known. */
	line: [number, number][];
	/** Legs between consecutive points measured on the street network, of all legs. */
	road_legs: number;
	/** True when a street graph was used at all (false: straight-line estimates only). */
	roads: boolean;
}

export async function planRoute(request: PlanRequest, graph: RoadGraph | null, options: RouteOptions = {}): Promise<RoutePlan> {
	const startedAt = (options.now ?? (() => performance.now()))();
	const r = parseRouteRequest(request); // reasons for bad input before any work
	const points: Point[] = [r.start, ...r.stops.map((s) => ({ lat: s.lat, long: s.long }))];
	const m = travelMatrix(points, graph);
	const result = await solveParsedAsync({ ...r, minutes: m.minutes, km: m.km }, options, startedAt);
	const index = new Map(r.stops.map((s, k) => [s.id, k + 1]));
	const line: [number, number][] = [];
	let roadLegs = 0;
	let prev = 0;
	for (const id of result.order) {
		const next = index.get(id)!;
		const leg = legGeometry(graph, m, points, prev, next);
		if (leg.length > 2) roadLegs++;
		line.push(...(line.length > 0 ? leg.slice(1) : leg));
		prev = next;
	}
	return { ...result, line, road_legs: roadLegs, roads: graph !== null };
}
