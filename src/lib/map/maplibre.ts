/**
 * maplibre-gl is loaded only when a map is shown (it is most of a megabyte): never in the crew shell's first
 * load. Vite does not bundle its worker, so the worker file's URL is handed to setWorkerUrl (DESIGN.md).
 */
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
