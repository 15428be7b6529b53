/**
 * A map area: the vector tiles (OpenMapTiles schema), glyphs and facts of one service area, served by the app
 * at /map/… and stored on the device for offline use. Another city is another area directory (MAP_AREA_DIR).
 */
import { z } from 'zod';

const lngLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

export const areaConfigSchema = z.object({
	id: z.string().regex(/^[a-z0-9-]+$/),
	name: z.string().min(1),
	/** [west, south, east, north] */
	bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]),
	center: lngLat,
	zoom: z.number().min(0).max(22),
	tile_minzoom: z.number().int().min(0).max(22),
	tile_maxzoom: z.number().int().min(0).max(22),
	/** How far the map may zoom out and in (beyond tile_maxzoom the last tiles are overzoomed). */
	view_minzoom: z.number().min(0).max(22),
	view_maxzoom: z.number().min(0).max(24),
	fonts: z.object({ regular: z.string().min(1), bold: z.string().min(1) }),
	attribution: z.string().min(1)
});
export type AreaConfig = z.infer<typeof areaConfigSchema>;

/** What /map/area.json answers: the area and every file the device needs to show it offline. */
export const areaManifestSchema = z.object({
	area: areaConfigSchema,
	/** Changes whenever a tile, glyph or the style changes: the device replaces its copy then. */
	version: z.string().min(1),
	files: z.array(z.object({ url: z.string().startsWith('/map/'), bytes: z.number().int().nonnegative() })),
	total_bytes: z.number().int().nonnegative()
});
export type AreaManifest = z.infer<typeof areaManifestSchema>;

export const MAP_PREFIX = '/map';
export const STYLE_URL = `${MAP_PREFIX}/style.json`;
export const AREA_URL = `${MAP_PREFIX}/area.json`;
/** The street graph of the area (src/lib/routing/road-graph.ts), stored with the offline map. */
export const ROADS_URL = `${MAP_PREFIX}/roads.bin`;
export const tileUrlTemplate = (origin: string) => `${origin}${MAP_PREFIX}/tiles/{z}/{x}/{y}.pbf`;
export const glyphsUrlTemplate = (origin: string) => `${origin}${MAP_PREFIX}/fonts/{fontstack}/{range}.pbf`;
