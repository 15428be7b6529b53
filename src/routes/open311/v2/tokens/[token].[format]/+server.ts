import type { RequestHandler } from './$types';
import { corsPreflight, getToken, open311Route } from '$lib/server/open311/api';

export const GET: RequestHandler = open311Route(getToken);
export const OPTIONS: RequestHandler = corsPreflight;
