import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { MAP_FILE_MAX_AGE_S, readGlyphs } from '$lib/server/map-area';
import type { RequestHandler } from './$types';

/** Glyphs (SDF, MapLibre's format) of one font stack and Unicode range. */
export const GET: RequestHandler = api(async ({ params }) => {
	const bytes = await readGlyphs(getContext().mapArea, params.stack!, params.range!);
	return new Response(new Uint8Array(bytes), {
		headers: { 'content-type': 'application/x-protobuf', 'cache-control': `public, max-age=${MAP_FILE_MAX_AGE_S}` }
	});
});
