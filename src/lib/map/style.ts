/**
 * The field-work map style (MapLibre style spec v8) for OpenMapTiles-schema tiles: high contrast for sunlight
 * (dark text with white halos, dark road casings, few colours), clear street names, house numbers from zoom 17,
 * no icons (no sprite: nothing to fetch but tiles and glyphs). Pure: the server fills in its own URLs.
 */
import type { AreaConfig } from './area';

const SOURCE = 'openmaptiles';

const interpolateZoom = (stops: [number, number][]) => ['interpolate', ['exponential', 1.5], ['zoom'], ...stops.flat()];
const NAME = ['coalesce', ['get', 'name:latin'], ['get', 'name']];

const MAJOR = ['motorway', 'trunk', 'primary'];
const MEDIUM = ['secondary', 'tertiary'];
const MINOR = ['minor', 'service', 'track', 'residential', 'unclassified', 'living_street'];
const PATHS = ['path', 'pedestrian', 'footway', 'cycleway', 'steps'];

const byClass = (classes: string[]) => ['match', ['get', 'class'], classes, true, false];

function road(id: string, classes: string[], color: string, casing: string, widths: [number, number][]) {
	const casingWidths = widths.map(([z, w]) => [z, w + 2.5] as [number, number]);
	return [
		{
			id: `${id}-casing`,
			type: 'line',
			source: SOURCE,
			'source-layer': 'transportation',
			filter: byClass(classes),
			layout: { 'line-cap': 'round', 'line-join': 'round' },
			paint: { 'line-color': casing, 'line-width': interpolateZoom(casingWidths) }
		},
		{
			id,
			type: 'line',
			source: SOURCE,
			'source-layer': 'transportation',
			filter: byClass(classes),
			layout: { 'line-cap': 'round', 'line-join': 'round' },
			paint: { 'line-color': color, 'line-width': interpolateZoom(widths) }
		}
	];
}

export interface StyleUrls {
	tiles: string;
	glyphs: string;
}

export function fieldStyle(area: AreaConfig, urls: StyleUrls) {
	const halo = { 'text-color': '#111111', 'text-halo-color': '#ffffff', 'text-halo-width': 2 };
	return {
		version: 8,
		name: `Fieldwork 311 — ${area.name}`,
		center: area.center,
		zoom: area.zoom,
		sources: {
			[SOURCE]: {
				type: 'vector',
				tiles: [urls.tiles],
				minzoom: area.tile_minzoom,
				maxzoom: area.tile_maxzoom,
				bounds: area.bounds,
				attribution: area.attribution
			}
		},
		glyphs: urls.glyphs,
		layers: [
			{ id: 'background', type: 'background', paint: { 'background-color': '#f2efe9' } },
			{
				id: 'park',
				type: 'fill',
				source: SOURCE,
				'source-layer': 'park',
				paint: { 'fill-color': '#c8e3b4' }
			},
			{
				id: 'landcover-green',
				type: 'fill',
				source: SOURCE,
				'source-layer': 'landcover',
				filter: ['match', ['get', 'class'], ['grass', 'wood', 'farmland'], true, false],
				paint: { 'fill-color': '#c8e3b4' }
			},
			{ id: 'water', type: 'fill', source: SOURCE, 'source-layer': 'water', paint: { 'fill-color': '#8fbce6' } },
			{
				id: 'building',
				type: 'fill',
				source: SOURCE,
				'source-layer': 'building',
				minzoom: 14,
				paint: { 'fill-color': '#dcd6ca', 'fill-outline-color': '#8f877a' }
			},
			{
				id: 'path',
				type: 'line',
				source: SOURCE,
				'source-layer': 'transportation',
				minzoom: 15,
				filter: byClass(PATHS),
				paint: { 'line-color': '#6d6d6d', 'line-width': 1.5, 'line-dasharray': [2, 1.5] }
			},
			...road('road-minor', MINOR, '#ffffff', '#6b6b6b', [
				[13, 1],
				[16, 6],
				[19, 22]
			]),
			...road('road-medium', MEDIUM, '#fff0b3', '#6b5a1f', [
				[12, 1.5],
				[16, 8],
				[19, 26]
			]),
			...road('road-major', MAJOR, '#ffc861', '#6b4300', [
				[10, 1.5],
				[16, 10],
				[19, 30]
			]),
			{
				id: 'rail',
				type: 'line',
				source: SOURCE,
				'source-layer': 'transportation',
				filter: ['match', ['get', 'class'], ['rail', 'transit'], true, false],
				paint: { 'line-color': '#4a4a4a', 'line-width': 1.5, 'line-dasharray': [3, 2] }
			},
			{
				id: 'street-name',
				type: 'symbol',
				source: SOURCE,
				'source-layer': 'transportation_name',
				minzoom: 14,
				layout: {
					'symbol-placement': 'line',
					'text-field': NAME,
					'text-font': [area.fonts.bold],
					'text-size': interpolateZoom([
						[14, 12],
						[17, 15],
						[19, 18]
					]),
					'text-max-angle': 30
				},
				paint: halo
			},
			{
				id: 'house-number',
				type: 'symbol',
				source: SOURCE,
				'source-layer': 'housenumber',
				minzoom: 17,
				layout: { 'text-field': ['get', 'housenumber'], 'text-font': [area.fonts.regular], 'text-size': 12 },
				paint: { 'text-color': '#333333', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 }
			},
			{
				id: 'place-name',
				type: 'symbol',
				source: SOURCE,
				'source-layer': 'place',
				layout: { 'text-field': NAME, 'text-font': [area.fonts.bold], 'text-size': 14, 'text-transform': 'uppercase', 'text-letter-spacing': 0.1 },
				paint: { ...halo, 'text-color': '#3d3d3d' }
			}
		]
	};
}

/** A style whose tile and glyph URLs are root-relative ("/map/…"), made absolute for `origin` (MapLibre needs absolute URLs). */
export function withOrigin<S extends { sources: Record<string, unknown>; glyphs?: string }>(style: S, origin: string): S {
	const abs = (u: string) => (u.startsWith('/') ? `${origin}${u}` : u);
	const sources = Object.fromEntries(
		Object.entries(style.sources).map(([k, src]) => {
			const s = src as { tiles?: string[] };
			return [k, s.tiles ? { ...s, tiles: s.tiles.map(abs) } : s];
		})
	);
	return { ...style, sources, ...(style.glyphs ? { glyphs: abs(style.glyphs) } : {}) };
}
