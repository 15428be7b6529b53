import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { MAP_FILE_MAX_AGE_S, readTile } from '$lib/server/map-area';
import type { RequestHandler } from './$types';

/** One vector tile of the map area (uncompressed MVT). */
export const GET: RequestHandler = api(async ({ params }) => {
	const bytes = await readTile(getContext().mapArea, params.z!, params.x!, params.y!);
	return new Response(new Uint8Array(bytes), {
		headers: { 'content-type': 'application/x-protobuf', 'cache-control': `public, max-age=${MAP_FILE_MAX_AGE_S}` }
	});
});
