import type { RequestHandler } from './$types';
import { corsPreflight, getServices, open311Route } from '$lib/server/open311/api';

export const GET: RequestHandler = open311Route(getServices);
export const OPTIONS: RequestHandler = corsPreflight;
