import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import tinyosmpbf from 'tiny-osmpbf';
import { describe, expect, it } from 'vitest';
import { decodeRoadGraph, encodeRoadGraph, RoadGraph, RoadGraphError, type RoadGraphArrays } from '../../../src/lib/routing/road-graph';
import { legGeometry, MAX_SNAP_METERS, travelMatrix } from '../../../src/lib/routing/travel';
import { DETOUR_FACTOR, haversineKm } from '../../../src/lib/routing/route';

/**
 * A 3×1 street: a ─ b ─ c, 100 m apart (east), two-way between a and b, one-way b → c, and a long two-way
 * detour c ─ d ─ a back. Seconds per edge given.
 */
const LAT = 37.78;
const dLong = (m: number) => m / (111_320 * Math.cos((LAT * Math.PI) / 180));
function toyGraph(): RoadGraphArrays {
	const lon = Float32Array.from([-122.4, -122.4 + dLong(100), -122.4 + dLong(200), -122.4 + dLong(100)]);
	const lat = Float32Array.from([LAT, LAT, LAT, LAT + 0.003]);
	// edges sorted by source: a→b, b→a, b→c, c→d, d→a, d→c, a→d
	const edges = [
		[0, 1, 10, 100],
		[0, 3, 60, 400],
		[1, 0, 10, 100],
		[1, 2, 10, 100],
		[2, 3, 60, 400],
		[3, 0, 60, 400],
		[3, 2, 60, 400]
	] as const;
	const firstEdge = new Uint32Array(5);
	for (const [from] of edges) firstEdge[from + 1]!++;
	for (let i = 0; i < 4; i++) firstEdge[i + 1]! += firstEdge[i]!;
	return {
		lon,
		lat,
		firstEdge,
		target: Uint32Array.from(edges, (e) => e[1]),
		seconds: Float32Array.from(edges, (e) => e[2]),
		meters: Float32Array.from(edges, (e) => e[3])
	};
}

describe('road graph file', () => {
	it('round-trips through its binary form', () => {
		const g = toyGraph();
		const back = decodeRoadGraph(encodeRoadGraph(g));
		expect(Array.from(back.target)).toEqual(Array.from(g.target));
		expect(Array.from(back.seconds)).toEqual(Array.from(g.seconds));
		expect(Array.from(back.lon)).toEqual(Array.from(g.lon));
	});

	it('refuses a file that is not one, a damaged one and another version, with a reason', () => {
		const bytes = encodeRoadGraph(toyGraph());
		expect(() => decodeRoadGraph(new Uint8Array(4))).toThrow(/too short/);
		expect(() => decodeRoadGraph(new TextEncoder().encode('<html>not found</html>'))).toThrow(/not a road graph/);
		expect(() => decodeRoadGraph(bytes.subarray(0, bytes.length - 4))).toThrow(/header says/);
		const future = bytes.slice();
		new DataView(future.buffer).setUint32(4, 99, true);
		expect(() => decodeRoadGraph(future)).toThrow(RoadGraphError);
		expect(() => decodeRoadGraph(future)).toThrow(/version 99/);
		const broken = bytes.slice();
		// first target (after header, lon, lat, firstEdge: 16 + 4·(4 + 4 + 5)) → a node that does not exist
		new DataView(broken.buffer).setUint32(16 + 4 * 13, 77, true);
		expect(() => decodeRoadGraph(broken)).toThrow(/missing node/);
	});
});

describe('shortest paths', () => {
	const graph = new RoadGraph(toyGraph());

	it('follows one-way streets: c back to a goes round the detour, a to c goes straight', () => {
		const fromA = graph.shortestPaths(0, [2]);
		expect(fromA.seconds[2]).toBe(20);
		expect(graph.pathTo(fromA, 2)).toEqual([0, 1, 2]);
		const fromC = graph.shortestPaths(2, [0]);
		expect(fromC.seconds[0]).toBe(120);
		expect(graph.pathTo(fromC, 0)).toEqual([2, 3, 0]);
		expect(fromC.meters[0]).toBe(800);
	});

	it('snaps a point to the nearest node within reach, and nothing far away', () => {
		expect(graph.snap({ lat: LAT + 0.0001, long: -122.4 + dLong(190) }, 250)?.node).toBe(2);
		expect(graph.snap({ lat: LAT + 0.05, long: -122.4 }, 250)).toBeNull();
	});

	it('a travel matrix uses the streets where it can and straight line × detour elsewhere', () => {
		const a = { lat: LAT, long: -122.4 };
		const c = { lat: LAT, long: -122.4 + dLong(200) };
		const farAway = { lat: LAT + 0.1, long: -122.4 };
		const m = travelMatrix([a, c, farAway], graph);
		expect(m.roadPairs).toBe(2);
		expect(m.minutes[0 * 3 + 1]).toBeCloseTo(20 / 60, 2);
		expect(m.minutes[1 * 3 + 0]).toBeCloseTo(120 / 60, 2); // one-way: the long way back
		expect(m.km[0 * 3 + 2]).toBeCloseTo(haversineKm(a, farAway) * DETOUR_FACTOR, 6);
		expect(legGeometry(graph, m, [a, c, farAway], 1, 0)).toHaveLength(5); // c, c node, d, a node, a
		expect(legGeometry(graph, m, [a, c, farAway], 0, 2)).toHaveLength(2); // straight
		const none = travelMatrix([a, c], null);
		expect(none.roadPairs).toBe(0);
		expect(none.minutes[1]).toBe(none.minutes[2]); // symmetric without streets
	});
});

describe('the shipped downtown street graph', () => {
	const areaDir = path.resolve('map-data/sf-downtown');
	const graph = RoadGraph.fromBytes(new Uint8Array(readFileSync(path.join(areaDir, 'roads.bin'))));

	it('reaches every node from any node (one strongly connected network)', () => {
		const tree = graph.shortestPaths(0);
		const back = Array.from({ length: graph.nodeCount }, (_, i) => graph.shortestPaths(i, [0]).seconds[0]!);
		expect(Array.from(tree.seconds).every(Number.isFinite)).toBe(true);
		expect(back.every(Number.isFinite)).toBe(true);
	});

	it('has one-way streets of the OSM extract in their direction only', () => {
		const pbf = readdirSync(path.join(areaDir, 'source')).find((f) => f.endsWith('.osm.pbf'))!;
		const { elements } = tinyosmpbf(new Uint8Array(readFileSync(path.join(areaDir, 'source', pbf))));
		const coords = new Map(elements.filter((e) => e.type === 'node').map((e) => [e.id, { long: e.lon!, lat: e.lat! }]));
		const oneWays = elements.filter((e) => e.type === 'way' && e.tags?.oneway === 'yes' && ['primary', 'secondary', 'tertiary', 'residential'].includes(e.tags.highway ?? ''));
		const hasEdge = (a: number, b: number) => {
			for (let e = graph.g.firstEdge[a]!; e < graph.g.firstEdge[a + 1]!; e++) if (graph.g.target[e] === b) return true;
			return false;
		};
		let checked = 0;
		for (const way of oneWays) {
			const nodes = way.nodes!.map((id) => coords.get(id)).filter((p) => p !== undefined);
			for (let k = 0; k + 1 < nodes.length; k++) {
				const a = graph.snap(nodes[k]!, 0.5);
				const b = graph.snap(nodes[k + 1]!, 0.5);
				if (!a || !b || a.node === b.node) continue;
				expect(hasEdge(a.node, b.node), `way ${way.id} forward`).toBe(true);
				if (!hasEdge(b.node, a.node)) checked++;
			}
		}
		// Nearly all one-way segments have no edge back (a few are shared with a two-way way in OSM).
		expect(checked).toBeGreaterThan(300);
	});

	it('gives downtown trips road distances and times a truck can drive', () => {
		const montgomeryBart = { lat: 37.7894, long: -122.4013 };
		const unionSquare = { lat: 37.788, long: -122.4075 };
		const m = travelMatrix([montgomeryBart, unionSquare], graph);
		expect(m.roadPairs).toBe(2);
		const straight = haversineKm(montgomeryBart, unionSquare);
		expect(m.km[1]!).toBeGreaterThan(straight);
		expect(m.km[1]!).toBeLessThan(straight * 2);
		expect(m.minutes[1]!).toBeGreaterThan(2);
		expect(m.snaps.every((s) => s !== null && s.meters < MAX_SNAP_METERS)).toBe(true);
	});
});
