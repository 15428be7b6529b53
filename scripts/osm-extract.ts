/** A map area's OSM extract (<area dir>/source/*.osm.pbf), read for the build scripts (roads, streets). */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import tinyosmpbf, { type OsmPbfElement } from 'tiny-osmpbf';

export interface AreaExtract {
	/** The area directory (absolute): where the scripts write their output. */
	areaDir: string;
	/** The extract's file name (recorded in outputs as their source). */
	pbf: string;
	elements: OsmPbfElement[];
	/** Node id → [lon, lat], through `round` when given. */
	coords: Map<number, [number, number]>;
}

/** The area named on the command line (default: the downtown SF area) and its extract's elements. */
export async function readAreaExtract(areaArg: string | undefined, round: (x: number) => number = (x) => x): Promise<AreaExtract> {
	const areaDir = path.resolve(areaArg ?? 'map-data/sf-downtown');
	const sourceDir = path.join(areaDir, 'source');
	const pbf = (await readdir(sourceDir)).find((f) => f.endsWith('.osm.pbf'));
	if (!pbf) throw new Error(`No .osm.pbf in ${sourceDir}`);
	const { elements } = tinyosmpbf(new Uint8Array(await readFile(path.join(sourceDir, pbf))));
	const coords = new Map<number, [number, number]>();
	for (const e of elements) if (e.type === 'node') coords.set(e.id, [round(e.lon!), round(e.lat!)]);
	return { areaDir, pbf, elements, coords };
}
