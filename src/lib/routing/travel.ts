/**
 * Travel between a crew's start and its stops: on the road graph where a point lies near a street (shortest
 * travel time, one-way streets respected), straight line × detour factor at city speed where it does not (a
 * point outside the area, or no graph on the device). Also the street geometry of each leg for the map.
 */
import type { Point } from '../domain/common';
import type { PathTree, RoadGraph, Snap } from './road-graph';
import { DETOUR_FACTOR, haversineKm, straightMinutes } from './route';

/** A point farther than this from any street node is "off the network" and uses the straight-line estimate. */
export const MAX_SNAP_METERS = 250;
/** Speed between a point and its nearest street node (pulling up, walking to the asset). */
const ACCESS_KMH = 10;

export interface TravelMatrix {
	size: number;
	/** Row-major size² (index 0 is the start): travel minutes and kilometres. */
	minutes: number[];
	km: number[];
	/** Per point: its street node, or null when off the network. */
	snaps: (Snap | null)[];
	/** Per point: shortest paths from its street node (for leg geometry). */
	trees: (PathTree | null)[];
	/** Pairs measured on the street network (the rest are straight-line estimates). */
	roadPairs: number;
}

const accessMinutes = (meters: number) => (meters / 1000 / ACCESS_KMH) * 60;

export function travelMatrix(points: Point[], graph: RoadGraph | null): TravelMatrix {
	const size = points.length;
	const snaps = points.map((p) => graph?.snap(p, MAX_SNAP_METERS) ?? null);
	const targets = snaps.flatMap((s) => (s ? [s.node] : []));
	const trees = snaps.map((s) => (s && graph ? graph.shortestPaths(s.node, targets) : null));
	const minutes = new Array<number>(size * size).fill(0);
	const km = new Array<number>(size * size).fill(0);
	let roadPairs = 0;
	for (let i = 0; i < size; i++)
		for (let j = 0; j < size; j++) {
			if (i === j) continue;
			const a = snaps[i];
			const b = snaps[j];
			const tree = trees[i];
			const seconds = a && b && tree ? tree.seconds[b.node]! : Infinity;
			if (a && b && tree && Number.isFinite(seconds)) {
				minutes[i * size + j] = seconds / 60 + accessMinutes(a.meters) + accessMinutes(b.meters);
				km[i * size + j] = (tree.meters[b.node]! + a.meters + b.meters) / 1000;
				roadPairs++;
			} else {
				const d = haversineKm(points[i]!, points[j]!);
				km[i * size + j] = d * DETOUR_FACTOR;
				minutes[i * size + j] = straightMinutes(d);
			}
		}
	return { size, minutes, km, snaps, trees, roadPairs };
}

/** The leg from point `from` to point `to` as [long, lat] pairs: along the streets when both are on them. */
export function legGeometry(graph: RoadGraph | null, m: TravelMatrix, points: Point[], from: number, to: number): [number, number][] {
	const a = points[from]!;
	const b = points[to]!;
	const sa = m.snaps[from];
	const sb = m.snaps[to];
	const tree = m.trees[from];
	const straight: [number, number][] = [
		[a.long, a.lat],
		[b.long, b.lat]
	];
	if (!graph || !sa || !sb || !tree) return straight;
	const nodes = graph.pathTo(tree, sb.node);
	if (nodes.length === 0) return straight;
	const line: [number, number][] = [[a.long, a.lat]];
	for (const n of nodes) {
		const p = graph.point(n);
		line.push([p.long, p.lat]);
	}
	line.push([b.long, b.lat]);
	return line;
}
