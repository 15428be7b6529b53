import type { RequestHandler } from './$types';
import { corsPreflight, getRequestUpdates, open311Route } from '$lib/server/open311/api';

/** FixMyStreet's Open311 extension: the public updates of requests in a time range. */
export const GET: RequestHandler = open311Route(getRequestUpdates);
export const OPTIONS: RequestHandler = corsPreflight;
