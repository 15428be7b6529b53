import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { MAP_FILE_MAX_AGE_S } from '$lib/server/map-area';
import type { RequestHandler } from './$types';

/**
 * The field-work style with root-relative tile and glyph URLs (the page makes them absolute with its own origin:
 * behind a proxy the server cannot know it, and the service worker matches only same-origin requests).
 */
export const GET: RequestHandler = () =>
	json(getContext().mapArea.style(''), { headers: { 'cache-control': `public, max-age=${MAP_FILE_MAX_AGE_S}` } });
