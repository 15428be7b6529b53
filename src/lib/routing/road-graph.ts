/**
 * The street network of a map area as a compact directed graph, built once from the OSM extract
 * (scripts/roads.ts) and shipped as one binary file (map-data/<area>/roads.bin, served at /map/roads.bin and
 * stored on the device with the offline map). On the device: snap points to the nearest street node, shortest
 * travel times between a crew's stops (Dijkstra with a binary heap, stopping once every stop is settled),
 * and the street geometry of each leg for the map.
 *
 * File layout, little-endian, every array 4-byte aligned:
 *   magic "FWRG" | version u32 | nodes u32 | edges u32
 *   lon f32[nodes] | lat f32[nodes] | first_edge u32[nodes + 1] | target u32[edges] | seconds f32[edges] | meters f32[edges]
 * Edges of node i are first_edge[i] .. first_edge[i+1]-1 (CSR). One-way streets have an edge one way only.
 */
import KDBush from 'kdbush';
import { around } from 'geokdbush';
import FlatQueue from 'flatqueue';
import { haversineMeters, type Point } from '../domain/common';

export const ROAD_GRAPH_MAGIC = 0x47525746; // "FWRG" read as a little-endian u32
export const ROAD_GRAPH_VERSION = 1;
const HEADER_BYTES = 16;

export class RoadGraphError extends Error {
	override name = 'RoadGraphError';
}

export interface RoadGraphArrays {
	lon: Float32Array;
	lat: Float32Array;
	firstEdge: Uint32Array;
	target: Uint32Array;
	seconds: Float32Array;
	meters: Float32Array;
}

export function encodeRoadGraph(g: RoadGraphArrays): Uint8Array {
	const n = g.lon.length;
	const m = g.target.length;
	const bytes = HEADER_BYTES + 4 * (2 * n + (n + 1) + 3 * m);
	const buf = new ArrayBuffer(bytes);
	const head = new Uint32Array(buf, 0, 4);
	head.set([ROAD_GRAPH_MAGIC, ROAD_GRAPH_VERSION, n, m]);
	let off = HEADER_BYTES;
	for (const arr of [g.lon, g.lat, g.firstEdge, g.target, g.seconds, g.meters]) {
		new Uint8Array(buf, off, arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
		off += arr.byteLength;
	}
	return new Uint8Array(buf);
}

export function decodeRoadGraph(input: ArrayBuffer | Uint8Array): RoadGraphArrays {
	// Copy into a fresh, aligned buffer (a Node Buffer may sit at any offset of a shared pool).
	const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
	if (bytes.byteLength < HEADER_BYTES) throw new RoadGraphError('The road graph file is too short to be one');
	const buf = bytes.slice().buffer;
	const [magic, version, n, m] = new Uint32Array(buf, 0, 4) as unknown as [number, number, number, number];
	if (magic !== ROAD_GRAPH_MAGIC) throw new RoadGraphError('This is not a road graph file (wrong magic number)');
	if (version !== ROAD_GRAPH_VERSION) throw new RoadGraphError(`Road graph version ${version} is not supported (expected ${ROAD_GRAPH_VERSION}); rebuild it with npm run roads`);
	const expected = HEADER_BYTES + 4 * (2 * n + (n + 1) + 3 * m);
	if (bytes.byteLength !== expected) throw new RoadGraphError(`The road graph file is ${bytes.byteLength} bytes; its header says ${expected}`);
	let off = HEADER_BYTES;
	const take = <T>(make: (b: ArrayBuffer, o: number, l: number) => T, len: number): T => {
		const arr = make(buf, off, len);
		off += 4 * len;
		return arr;
	};
	const g: RoadGraphArrays = {
		lon: take((b, o, l) => new Float32Array(b, o, l), n),
		lat: take((b, o, l) => new Float32Array(b, o, l), n),
		firstEdge: take((b, o, l) => new Uint32Array(b, o, l), n + 1),
		target: take((b, o, l) => new Uint32Array(b, o, l), m),
		seconds: take((b, o, l) => new Float32Array(b, o, l), m),
		meters: take((b, o, l) => new Float32Array(b, o, l), m)
	};
	if (g.firstEdge[0] !== 0 || g.firstEdge[n] !== m) throw new RoadGraphError('The road graph file is damaged (edge index out of range)');
	for (let i = 0; i < m; i++) if (g.target[i]! >= n) throw new RoadGraphError('The road graph file is damaged (edge to a missing node)');
	return g;
}

export interface Snap {
	node: number;
	/** Straight-line metres from the point to the node. */
	meters: number;
}

/** Shortest-path tree from one node: travel seconds, metres and the previous node on the best path. */
export interface PathTree {
	source: number;
	seconds: Float64Array;
	meters: Float64Array;
	previous: Int32Array;
}

export class RoadGraph {
	readonly nodeCount: number;
	readonly edgeCount: number;
	private readonly index: KDBush;

	constructor(readonly g: RoadGraphArrays) {
		this.nodeCount = g.lon.length;
		this.edgeCount = g.target.length;
		this.index = new KDBush(Math.max(1, this.nodeCount));
		for (let i = 0; i < this.nodeCount; i++) this.index.add(g.lon[i]!, g.lat[i]!);
		if (this.nodeCount === 0) this.index.add(0, 0); // kdbush needs one point; never returned (see snap)
		this.index.finish();
	}

	static fromBytes(bytes: ArrayBuffer | Uint8Array): RoadGraph {
		return new RoadGraph(decodeRoadGraph(bytes));
	}

	/** The nearest street node within `maxMeters`, or null for a point off the network. */
	snap(p: Point, maxMeters: number): Snap | null {
		if (this.nodeCount === 0) return null;
		const [node] = around(this.index, p.long, p.lat, 1, maxMeters / 1000);
		if (node === undefined) return null;
		return { node, meters: haversineMeters(p, this.point(node)) };
	}

	point(node: number): Point {
		return { long: this.g.lon[node]!, lat: this.g.lat[node]! };
	}

	/**
	 * Dijkstra from `source` by travel time; stops once every node of `targets` is settled (or the reachable
	 * graph is exhausted). Unreached nodes keep Infinity.
	 */
	shortestPaths(source: number, targets: Iterable<number> = []): PathTree {
		const { firstEdge, target, seconds: edgeSeconds, meters: edgeMeters } = this.g;
		const n = this.nodeCount;
		const seconds = new Float64Array(n).fill(Infinity);
		const meters = new Float64Array(n).fill(Infinity);
		const previous = new Int32Array(n).fill(-1);
		const settled = new Uint8Array(n);
		const wanted = new Set(targets);
		wanted.delete(source);
		let remaining = wanted.size;
		const heap = new FlatQueue<number>();
		seconds[source] = 0;
		meters[source] = 0;
		heap.push(source, 0);
		while (heap.length > 0) {
			const u = heap.pop()!;
			if (settled[u]) continue;
			settled[u] = 1;
			if (wanted.has(u) && --remaining === 0) break;
			const su = seconds[u]!;
			for (let e = firstEdge[u]!; e < firstEdge[u + 1]!; e++) {
				const v = target[e]!;
				const sv = su + edgeSeconds[e]!;
				if (sv < seconds[v]!) {
					seconds[v] = sv;
					meters[v] = meters[u]! + edgeMeters[e]!;
					previous[v] = u;
					heap.push(v, sv);
				}
			}
		}
		return { source, seconds, meters, previous };
	}

	/** The nodes of the best path from the tree's source to `to` (both included); empty when unreachable. */
	pathTo(tree: PathTree, to: number): number[] {
		if (to === tree.source) return [to];
		if (tree.previous[to] === -1) return [];
		const path: number[] = [];
		for (let v = to; v !== -1; v = tree.previous[v]!) path.push(v);
		return path.reverse();
	}
}
