import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { validateStyleMin } from '@maplibre/maplibre-gl-style-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaManifestSchema } from '../../../src/lib/map/area';
import { boundsOf, routeLine, type Stop } from '../../../src/lib/map/stops';
import { fieldStyle, withOrigin } from '../../../src/lib/map/style';
import { loadMapArea, readGlyphs, readTile, type MapArea } from '../../../src/lib/server/map-area';

const AREA_DIR = 'map-data/sf-downtown';
let area: MapArea;
beforeAll(async () => {
	area = await loadMapArea(AREA_DIR);
});

describe('the map area the app ships', () => {
	it('lists the style, every tile and the glyphs, with a version and the total size', () => {
		const m = areaManifestSchema.parse(area.manifest);
		const urls = m.files.map((f) => f.url);
		expect(urls[0]).toBe('/map/style.json');
		expect(urls.filter((u) => u.startsWith('/map/tiles/')).length).toBeGreaterThanOrEqual(20);
		expect(urls).toContain('/map/fonts/KlokanTech%20Noto%20Sans%20Bold/0-255.pbf');
		expect(m.total_bytes).toBe(m.files.reduce((s, f) => s + f.bytes, 0));
		expect(m.version).toMatch(/^[0-9a-f]{16}$/);
	});

	it('the field style is valid MapLibre style spec and uses only fonts the area has', () => {
		const style = withOrigin(area.style('') as Parameters<typeof withOrigin>[0], 'http://127.0.0.1:4173');
		expect(validateStyleMin(style as never)).toEqual([]);
		const fonts = new Set(JSON.stringify(style).match(/KlokanTech Noto Sans \w+/g));
		for (const f of fonts) expect(area.fontStacks.has(f)).toBe(true);
		expect(JSON.stringify(style)).toContain('"http://127.0.0.1:4173/map/tiles/{z}/{x}/{y}.pbf"');
		expect(JSON.stringify(style)).toContain('© OpenStreetMap contributors');
	});

	it('serves a tile and glyphs; refuses paths that are not tile or glyph names', async () => {
		const [z, x, y] = area.manifest.files.find((f) => f.url.startsWith('/map/tiles/14/'))!.url.replace('/map/tiles/', '').replace('.pbf', '').split('/');
		expect((await readTile(area, z!, x!, y!)).length).toBeGreaterThan(1000);
		expect((await readGlyphs(area, 'KlokanTech Noto Sans Regular,Arial Unicode MS Regular', '0-255')).length).toBeGreaterThan(1000);
		await expect(readTile(area, '..', '..', 'area')).rejects.toThrow(/No such tile/);
		await expect(readTile(area, '14', '0', '0')).rejects.toThrow(/No tile 14\/0\/0/);
		await expect(readGlyphs(area, '../../source', '0-255')).rejects.toThrow(/No such glyphs/);
		await expect(readGlyphs(area, 'KlokanTech Noto Sans Regular', '../x')).rejects.toThrow(/No such glyphs/);
	});
});

describe('another city is a directory', () => {
	let dir: string;
	beforeAll(async () => {
		dir = await mkdtemp(path.join(os.tmpdir(), 'fw-area-'));
		await cp(AREA_DIR, dir, { recursive: true });
	});
	afterAll(() => rm(dir, { recursive: true, force: true }));

	it('a changed area gets a new version; a broken area.json says what to fix', async () => {
		const config = JSON.parse(await readFile(path.join(dir, 'area.json'), 'utf8'));
		await writeFile(path.join(dir, 'area.json'), JSON.stringify({ ...config, id: 'other-city', name: 'Other city' }));
		const other = await loadMapArea(dir);
		expect(other.config.id).toBe('other-city');
		expect(other.manifest.version).not.toBe(area.manifest.version);
		await writeFile(path.join(dir, 'area.json'), JSON.stringify({ ...config, fonts: { regular: 'Missing Font', bold: config.fonts.bold } }));
		await expect(loadMapArea(dir)).rejects.toThrow(/names font "Missing Font"/);
		await expect(loadMapArea(path.join(dir, 'nope'))).rejects.toThrow(/MAP_AREA_DIR: no area.json/);
	});
});

describe('stops and route line', () => {
	const stop = (id: string, n: number | null, lat: number): Stop => ({ id, n, lat, long: -122.4, status: 'assigned', label: id });
	it('the line runs from the start through the numbered stops in order, skipping done ones', () => {
		const stops = [stop('b', 2, 37.79), stop('done', null, 37.7), stop('a', 1, 37.78)];
		expect(routeLine(stops, { lat: 37.77, long: -122.41 })).toEqual([
			[-122.41, 37.77],
			[-122.4, 37.78],
			[-122.4, 37.79]
		]);
		expect(routeLine([], { lat: 1, long: 2 })).toEqual([]);
	});
	it('bounds around the stops', () => {
		expect(boundsOf([stop('a', 1, 37.78), stop('b', 2, 37.79)])).toEqual([-122.4, 37.78, -122.4, 37.79]);
		expect(boundsOf([])).toBeNull();
	});
});

it('fieldStyle is pure: the same area gives the same style', () => {
	expect(JSON.stringify(fieldStyle(area.config, { tiles: 't', glyphs: 'g' }))).toBe(JSON.stringify(fieldStyle(area.config, { tiles: 't', glyphs: 'g' })));
});
