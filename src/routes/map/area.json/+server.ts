import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import type { RequestHandler } from './$types';

/** The map area and every file a device stores to show it offline, with the version of the set. */
export const GET: RequestHandler = () => json(getContext().mapArea.manifest, { headers: { 'cache-control': 'no-cache' } });
