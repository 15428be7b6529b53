/**
 * The map area the app serves (MAP_AREA_DIR, default map-data/sf-downtown): read once, listed, versioned by a
 * hash of every file, so a device can tell whether its offline copy is current. Paths are built from validated
 * parts only (no traversal).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { areaConfigSchema, glyphsUrlTemplate, MAP_PREFIX, ROADS_URL, STYLE_URL, tileUrlTemplate, type AreaConfig, type AreaManifest } from '../map/area';
import { fieldStyle } from '../map/style';
import { decodeRoadGraph } from '../routing/road-graph';
import { NotFoundError } from './errors';

export interface MapArea {
	config: AreaConfig;
	dir: string;
	manifest: AreaManifest;
	/** The font stacks present (names are directory names). */
	fontStacks: Set<string>;
	/** The street graph for route travel times (roads.bin, built by npm run roads), or null when the area has none. */
	roads: Uint8Array | null;
	style(origin: string): object;
}

/** HTTP caching of map files; devices keep their own offline copy, replaced by version. */
export const MAP_FILE_MAX_AGE_S = 60 * 60; // 1 hour

const TILE_PART = /^\d{1,7}$/;
const GLYPH_RANGE = /^\d{1,5}-\d{1,5}$/;

async function listFiles(dir: string, prefix: string): Promise<{ rel: string; full: string }[]> {
	const out: { rel: string; full: string }[] = [];
	for (const entry of await readdir(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		const rel = `${prefix}/${entry.name}`;
		if (entry.isDirectory()) out.push(...(await listFiles(full, rel)));
		else if (entry.name.endsWith('.pbf')) out.push({ rel, full });
	}
	return out;
}

export async function loadMapArea(dir: string): Promise<MapArea> {
	const configPath = path.join(dir, 'area.json');
	let raw: string;
	try {
		raw = await readFile(configPath, 'utf8');
	} catch {
		throw new Error(`MAP_AREA_DIR: no area.json in ${dir} (set MAP_AREA_DIR to a map area directory; see docs/offline-map.md)`);
	}
	const config = areaConfigSchema.parse(JSON.parse(raw));
	const tiles = await listFiles(path.join(dir, 'tiles'), `${MAP_PREFIX}/tiles`);
	const fonts = await listFiles(path.join(dir, 'fonts'), `${MAP_PREFIX}/fonts`);
	const fontStacks = new Set((await readdir(path.join(dir, 'fonts'), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name));
	for (const stack of [config.fonts.regular, config.fonts.bold]) {
		if (!fontStacks.has(stack)) throw new Error(`MAP_AREA_DIR: area.json names font "${stack}" but ${dir}/fonts has no such directory`);
	}

	const hash = createHash('sha256').update(raw).update(JSON.stringify(fieldStyle(config, { tiles: '', glyphs: '' })));
	const files: AreaManifest['files'] = [];
	for (const f of [...tiles, ...fonts].sort((a, b) => a.rel.localeCompare(b.rel))) {
		const bytes = await readFile(f.full);
		hash.update(f.rel).update(new Uint8Array(bytes));
		files.push({ url: encodeURI(f.rel), bytes: bytes.length });
	}
	// The street graph is optional: without it, devices estimate travel by straight line × detour.
	const roads = await readFile(path.join(dir, 'roads.bin')).then((b) => new Uint8Array(b), () => null);
	if (roads) {
		decodeRoadGraph(roads); // a damaged file stops start-up here, not on every tablet
		hash.update(ROADS_URL).update(roads);
		files.push({ url: ROADS_URL, bytes: roads.byteLength });
	}
	const styleBytes = JSON.stringify(fieldStyle(config, { tiles: tileUrlTemplate(''), glyphs: glyphsUrlTemplate('') })).length;
	files.unshift({ url: STYLE_URL, bytes: styleBytes });
	const version = hash.digest('hex').slice(0, 16);
	const manifest: AreaManifest = { area: config, version, files, total_bytes: files.reduce((s, f) => s + f.bytes, 0) };
	return {
		config,
		dir,
		manifest,
		fontStacks,
		roads,
		style: (origin) => fieldStyle(config, { tiles: tileUrlTemplate(origin), glyphs: glyphsUrlTemplate(origin) })
	};
}

export async function readTile(area: MapArea, z: string, x: string, y: string): Promise<Uint8Array> {
	if (![z, x, y].every((p) => TILE_PART.test(p))) throw new NotFoundError('No such tile');
	try {
		return new Uint8Array(await readFile(path.join(area.dir, 'tiles', z, x, `${y}.pbf`)));
	} catch {
		throw new NotFoundError(`No tile ${z}/${x}/${y} in the map area`);
	}
}

export async function readGlyphs(area: MapArea, stack: string, range: string): Promise<Uint8Array> {
	// A fontstack may list several fonts ("A,B"): the first one present is used.
	const font = stack.split(',').map((s) => s.trim()).find((s) => area.fontStacks.has(s));
	if (!font || !GLYPH_RANGE.test(range)) throw new NotFoundError('No such glyphs');
	try {
		return new Uint8Array(await readFile(path.join(area.dir, 'fonts', font, `${range}.pbf`)));
	} catch {
		throw new NotFoundError(`No glyphs ${font} ${range}`);
	}
}
