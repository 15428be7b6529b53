/**
 * npm run roads [-- <area dir>]: builds the area's road graph (roads.bin) from its OSM extract
 * (<area dir>/source/*.osm.pbf). Only streets a city truck may drive (no footways, steps, private roads or
 * parking aisles); one-way streets one way; travel time from the posted speed (maxspeed) or the street class,
 * slowed for city traffic; only the largest strongly connected part is kept, so every node reaches every other.
 * The result is committed with the area, so a clean clone needs no OSM tooling. See docs/routing.md.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readAreaExtract } from './osm-extract';
import { haversineMeters } from '../src/lib/domain/common';
import { encodeRoadGraph, RoadGraph } from '../src/lib/routing/road-graph';

/** Free-flow km/h by street class where no maxspeed is posted (US urban defaults). */
const CLASS_KMH: Record<string, number> = {
	motorway: 80,
	motorway_link: 50,
	trunk: 60,
	trunk_link: 40,
	primary: 50,
	primary_link: 40,
	secondary: 40,
	secondary_link: 35,
	tertiary: 40,
	tertiary_link: 30,
	unclassified: 40,
	residential: 40,
	living_street: 15,
	service: 15
};
/** Share of free-flow speed reached downtown (lights, turns, double parking). */
const CITY_FACTOR = 0.55;
const NO_ACCESS = new Set(['no', 'private']);
const NO_SERVICE = new Set(['parking_aisle', 'drive-through']);

function kmh(tags: Record<string, string>): number {
	const posted = /^(\d+(?:\.\d+)?)\s*(mph|km\/h)?$/.exec(tags.maxspeed ?? '');
	if (posted) return Number(posted[1]) * (posted[2] === 'mph' ? 1.609344 : 1);
	return CLASS_KMH[tags.highway!]!;
}

/** 1 forward only, -1 backward only, 0 both ways. */
function oneway(tags: Record<string, string>): 1 | -1 | 0 {
	const v = tags.oneway;
	if (v === '-1' || v === 'reverse') return -1;
	if (v === 'yes' || v === 'true' || v === '1') return 1;
	if (v === 'no' || v === 'false' || v === '0') return 0;
	if (tags.junction === 'roundabout' || tags.highway === 'motorway' || tags.highway === 'motorway_link') return 1;
	return 0;
}

function drivable(tags: Record<string, string> | undefined): tags is Record<string, string> {
	if (!tags?.highway || !(tags.highway in CLASS_KMH)) return false;
	if (tags.area === 'yes') return false;
	if (NO_ACCESS.has(tags.access ?? '') || NO_ACCESS.has(tags.motor_vehicle ?? '') || NO_ACCESS.has(tags.vehicle ?? '')) return false;
	if (tags.highway === 'service' && NO_SERVICE.has(tags.service ?? '')) return false;
	return true;
}

/** Largest strongly connected component (iterative Tarjan), as a membership mask. */
function largestScc(n: number, adj: number[][]): Uint8Array {
	const index = new Int32Array(n).fill(-1);
	const low = new Int32Array(n);
	const onStack = new Uint8Array(n);
	const stack: number[] = [];
	let counter = 0;
	let best: number[] = [];
	for (let root = 0; root < n; root++) {
		if (index[root] !== -1) continue;
		const work: [number, number][] = [[root, 0]];
		while (work.length) {
			const frame = work[work.length - 1]!;
			const [v, i] = frame;
			if (i === 0) {
				index[v] = low[v] = counter++;
				stack.push(v);
				onStack[v] = 1;
			}
			if (i < adj[v]!.length) {
				frame[1]++;
				const w = adj[v]![i]!;
				if (index[w] === -1) work.push([w, 0]);
				else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
				continue;
			}
			work.pop();
			if (work.length) {
				const parent = work[work.length - 1]![0];
				low[parent] = Math.min(low[parent]!, low[v]!);
			}
			if (low[v] === index[v]) {
				const comp: number[] = [];
				let w: number;
				do {
					w = stack.pop()!;
					onStack[w] = 0;
					comp.push(w);
				} while (w !== v);
				if (comp.length > best.length) best = comp;
			}
		}
	}
	const mask = new Uint8Array(n);
	for (const v of best) mask[v] = 1;
	return mask;
}

async function main() {
	const { areaDir, elements, coords } = await readAreaExtract(process.argv[2]);

	// Nodes used by drivable ways get dense ids; edges between consecutive nodes of a way.
	const ids = new Map<number, number>();
	const lon: number[] = [];
	const lat: number[] = [];
	const idOf = (osmId: number) => {
		let id = ids.get(osmId);
		if (id === undefined) {
			const c = coords.get(osmId)!;
			id = lon.length;
			ids.set(osmId, id);
			lon.push(c[0]);
			lat.push(c[1]);
		}
		return id;
	};
	const edges: { from: number; to: number; seconds: number; meters: number }[] = [];
	let ways = 0;
	for (const e of elements) {
		if (e.type !== 'way' || !drivable(e.tags)) continue;
		const nodes = (e.nodes ?? []).filter((id) => coords.has(id));
		if (nodes.length < 2) continue;
		ways++;
		const speed = (kmh(e.tags) * CITY_FACTOR) / 3.6; // m/s
		const dir = oneway(e.tags);
		for (let k = 0; k + 1 < nodes.length; k++) {
			const a = idOf(nodes[k]!);
			const b = idOf(nodes[k + 1]!);
			if (a === b) continue;
			const meters = haversineMeters({ long: lon[a]!, lat: lat[a]! }, { long: lon[b]!, lat: lat[b]! });
			const seconds = meters / speed;
			if (dir >= 0) edges.push({ from: a, to: b, seconds, meters });
			if (dir <= 0) edges.push({ from: b, to: a, seconds, meters });
		}
	}

	const adj: number[][] = Array.from({ length: lon.length }, () => []);
	for (const e of edges) adj[e.from]!.push(e.to);
	const keep = largestScc(lon.length, adj);
	const newId = new Int32Array(lon.length).fill(-1);
	let n = 0;
	for (let i = 0; i < lon.length; i++) if (keep[i]) newId[i] = n++;
	const kept = edges.filter((e) => keep[e.from] && keep[e.to]).sort((x, y) => newId[x.from]! - newId[y.from]! || newId[x.to]! - newId[y.to]!);

	const firstEdge = new Uint32Array(n + 1);
	for (const e of kept) firstEdge[newId[e.from]! + 1]!++;
	for (let i = 0; i < n; i++) firstEdge[i + 1]! += firstEdge[i]!;
	const outLon = new Float32Array(n);
	const outLat = new Float32Array(n);
	for (let i = 0; i < lon.length; i++)
		if (keep[i]) {
			outLon[newId[i]!] = lon[i]!;
			outLat[newId[i]!] = lat[i]!;
		}
	const bytes = encodeRoadGraph({
		lon: outLon,
		lat: outLat,
		firstEdge,
		target: Uint32Array.from(kept, (e) => newId[e.to]!),
		seconds: Float32Array.from(kept, (e) => e.seconds),
		meters: Float32Array.from(kept, (e) => e.meters)
	});
	RoadGraph.fromBytes(bytes); // refuse to write a file the app could not read
	const out = path.join(areaDir, 'roads.bin');
	await writeFile(out, bytes);
	const pairs = new Set(kept.map((e) => `${Math.min(e.from, e.to)}-${Math.max(e.from, e.to)}`)).size;
	const oneWaySegments = 2 * pairs - kept.length;
	console.log(
		`${path.relative(process.cwd(), out)}: ${n} nodes, ${kept.length} directed edges (${ways} drivable ways; ${lon.length - n} nodes outside the largest strongly connected part dropped; ${oneWaySegments} one-way segments), ${bytes.byteLength} bytes`
	);
}

main().catch((e) => {
	console.error(`roads: ${e instanceof Error ? e.message : e}`);
	process.exit(1);
});
