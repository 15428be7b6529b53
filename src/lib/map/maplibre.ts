/**
 * maplibre-gl is loaded only when a map is shown (it is most of a megabyte): never in the crew shell's first
 * load. Vite does not bundle its worker, so the worker file's URL is handed to setWorkerUrl (DESIGN.md).
 */
import type { StyleSpecification } from 'maplibre-gl';
import { STYLE_URL } from './area';
import { withOrigin } from './style';

type MapLibre = typeof import('maplibre-gl');

let loading: Promise<MapLibre> | null = null;

export function loadMaplibre(): Promise<MapLibre> {
	loading ??= Promise.all([
		import('maplibre-gl'),
		import('maplibre-gl/dist/maplibre-gl-worker.mjs?url'),
		import('maplibre-gl/dist/maplibre-gl.css')
	]).then(([m, worker]) => {
		m.setWorkerUrl(worker.default);
		return m;
	});
	return loading;
}

/** MapLibre and the app's map style (its URLs made absolute for this origin), loaded together. */
export async function loadMapStyle(): Promise<{ maplibre: MapLibre; style: StyleSpecification }> {
	const [maplibre, style] = await Promise.all([
		loadMaplibre(),
		fetch(STYLE_URL).then((r) => (r.ok ? (r.json() as Promise<StyleSpecification>) : Promise.reject(new Error(`style: ${r.status}`))))
	]);
	return { maplibre, style: withOrigin(style, location.origin) };
}
