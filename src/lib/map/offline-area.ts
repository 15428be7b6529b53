/**
 * The map area on the device (issue 04): every file of /map/area.json (style, tiles, glyphs) stored in Cache
 * Storage under `fw-map-<version>`, the manifest itself stored last as the mark of a complete copy. The service
 * worker answers /map/… from there, so the map works in airplane mode. A new version (another manifest
 * version) is downloaded beside the old one and replaces it only once complete.
 */
import { AREA_URL, areaManifestSchema, type AreaManifest } from './area';

export const MAP_CACHE_PREFIX = 'fw-map-';
const DOWNLOAD_CONCURRENCY = 4; // parallel requests: fast on LTE, gentle on the server

export interface AreaProgress {
	files: number;
	totalFiles: number;
	bytes: number;
	totalBytes: number;
}

export class MapStorageFullError extends Error {
	override name = 'MapStorageFullError';
	constructor(options?: ErrorOptions) {
		super("This tablet's storage is full: the offline map could not be stored. Free some space and try again; your work is not affected.", options);
	}
}

const cacheName = (version: string) => `${MAP_CACHE_PREFIX}${version}`;

const isQuota = (e: unknown) => e instanceof DOMException && (e.name === 'QuotaExceededError' || e.code === 22);

/** The manifest of the complete copy on this device, or null. */
export async function storedArea(): Promise<AreaManifest | null> {
	if (typeof caches === 'undefined') return null;
	for (const name of await caches.keys()) {
		if (!name.startsWith(MAP_CACHE_PREFIX)) continue;
		const marker = await (await caches.open(name)).match(AREA_URL);
		if (!marker) continue;
		const parsed = areaManifestSchema.safeParse(await marker.json());
		if (parsed.success) return parsed.data;
	}
	return null;
}

/** The server's current manifest (throws offline). */
export async function fetchManifest(fetcher: typeof fetch = fetch): Promise<AreaManifest> {
	const res = await fetcher(AREA_URL, { cache: 'no-store' });
	if (!res.ok) throw new Error(`The map area could not be read (server answered ${res.status})`);
	return areaManifestSchema.parse(await res.json());
}

/** Downloads every file of `manifest`, then marks the copy complete and deletes older copies. */
export async function downloadArea(manifest: AreaManifest, onProgress: (p: AreaProgress) => void, signal?: AbortSignal): Promise<void> {
	const cache = await caches.open(cacheName(manifest.version));
	const progress: AreaProgress = { files: 0, totalFiles: manifest.files.length, bytes: 0, totalBytes: manifest.total_bytes };
	onProgress({ ...progress });
	const queue = [...manifest.files];
	const worker = async () => {
		for (let file = queue.shift(); file; file = queue.shift()) {
			signal?.throwIfAborted();
			if (!(await cache.match(file.url))) {
				const res = await fetch(file.url, { signal, cache: 'no-cache' });
				if (!res.ok) throw new Error(`The map file ${decodeURI(file.url)} could not be downloaded (${res.status})`);
				try {
					await cache.put(file.url, res);
				} catch (e) {
					if (isQuota(e)) throw new MapStorageFullError({ cause: e });
					throw e;
				}
			}
			progress.files++;
			progress.bytes += file.bytes;
			onProgress({ ...progress });
		}
	};
	await Promise.all(Array.from({ length: DOWNLOAD_CONCURRENCY }, worker));
	await cache.put(AREA_URL, new Response(JSON.stringify(manifest), { headers: { 'content-type': 'application/json' } }));
	for (const name of await caches.keys()) {
		if (name.startsWith(MAP_CACHE_PREFIX) && name !== cacheName(manifest.version)) await caches.delete(name);
	}
}
