/**
 * npm run streets [-- <area dir>]: builds the area's street index (streets.json) from its OSM extract
 * (<area dir>/source/*.osm.pbf), for the offline geocoder (src/lib/server/geocode.ts) that places Open311
 * requests given only an address_string. Per street name: its node coordinates and the nodes it shares with
 * other named streets (the intersections). The result is committed with the area, so a clean clone needs no
 * OSM tooling. Output is sorted, so a rebuild from the same extract is byte-identical.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readAreaExtract } from './osm-extract';
import { Geocoder, type StreetsFile } from '../src/lib/server/geocode';

/** Walkways: kept only when their name is a street's (an alley mapped as a footway), not "Crocker Galleria". */
const WALKWAYS = new Set(['footway', 'path', 'steps', 'cycleway', 'corridor', 'elevator', 'bridleway', 'platform']);
const STREET_NAME = /\b(street|avenue|boulevard|drive|place|terrace|way|lane|road|court|alley)$/i;
/** 6 decimals of a degree ≈ 0.1 m: finer than any address needs. */
const COORD_DECIMALS = 6;
/** Above this the committed file gets heavy for the server to hold; say so rather than ship it silently. */
const SIZE_WARN_BYTES = 300 * 1024;

function streetNames(tags: Record<string, string> | undefined): string[] {
	if (!tags?.highway || !tags.name) return [];
	if (WALKWAYS.has(tags.highway) && !STREET_NAME.test(tags.name.trim())) return [];
	// OSM joins two names of one way with ';' (e.g. "Grant Avenue;O'Farrell Street").
	return tags.name
		.split(';')
		.map((n) => n.trim())
		.filter(Boolean);
}

const round = (x: number) => Number(x.toFixed(COORD_DECIMALS));

async function main() {
	const { areaDir, pbf, elements, coords } = await readAreaExtract(process.argv[2], round);

	// Street name → its nodes; node → the names passing through it.
	const nodesOf = new Map<string, Set<number>>();
	const namesAt = new Map<number, Set<string>>();
	let ways = 0;
	for (const e of elements) {
		if (e.type !== 'way') continue;
		const names = streetNames(e.tags);
		if (!names.length) continue;
		ways++;
		for (const name of names) {
			const nodes = nodesOf.get(name) ?? new Set();
			nodesOf.set(name, nodes);
			for (const id of e.nodes ?? []) {
				if (!coords.has(id)) continue;
				nodes.add(id);
				const at = namesAt.get(id) ?? new Set();
				at.add(name);
				namesAt.set(id, at);
			}
		}
	}

	const streets: StreetsFile['streets'] = [];
	let junctionCount = 0;
	for (const name of [...nodesOf.keys()].sort()) {
		const ids = [...nodesOf.get(name)!];
		if (!ids.length) continue;
		const points = [...new Map(ids.map((id) => [coords.get(id)!.join(','), coords.get(id)!])).values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
		const indexOf = new Map(points.map((p, i) => [p.join(','), i]));
		const junctions = ids
			.filter((id) => namesAt.get(id)!.size > 1)
			.sort((a, b) => a - b)
			.map((id): [number, number] => [id, indexOf.get(coords.get(id)!.join(','))!]);
		junctionCount += junctions.length;
		streets.push({ name, points, junctions });
	}
	const data: StreetsFile = { source: pbf, streets };
	Geocoder.fromJson(data); // refuse to write a file the server could not read

	// One street per line: compact, yet a rebuild diffs readably.
	const json = `{"source":${JSON.stringify(pbf)},"streets":[\n${streets.map((s) => JSON.stringify(s)).join(',\n')}\n]}\n`;
	const out = path.join(areaDir, 'streets.json');
	await writeFile(out, json);
	const bytes = Buffer.byteLength(json);
	const pointCount = streets.reduce((n, s) => n + s.points.length, 0);
	const sharedNodes = [...namesAt.values()].filter((s) => s.size > 1).length;
	console.log(
		`${path.relative(process.cwd(), out)}: ${streets.length} street names from ${ways} named highway ways, ${pointCount} points, ${sharedNodes} intersection nodes (${junctionCount} street-node entries), ${bytes} bytes`
	);
	if (bytes > SIZE_WARN_BYTES) console.warn(`streets: ${bytes} bytes is over ${SIZE_WARN_BYTES}; consider a smaller area`);
}

main().catch((e) => {
	console.error(`streets: ${e instanceof Error ? e.message : e}`);
	process.exit(1);
});
