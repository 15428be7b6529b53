import { error } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { MAP_FILE_MAX_AGE_S } from '$lib/server/map-area';
import type { RequestHandler } from './$types';

/** The area's street graph (public OpenStreetMap data), for travel times and route lines on the device. */
export const GET: RequestHandler = () => {
	const roads = getContext().mapArea.roads;
	if (!roads) error(404, 'This map area has no street graph (build it with npm run roads)');
	return new Response(roads.slice(), {
		headers: { 'content-type': 'application/octet-stream', 'content-length': String(roads.byteLength), 'cache-control': `public, max-age=${MAP_FILE_MAX_AGE_S}` }
	});
};
