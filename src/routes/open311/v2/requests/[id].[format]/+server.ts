import type { RequestHandler } from './$types';
import { corsPreflight, getRequest, open311Route } from '$lib/server/open311/api';

export const GET: RequestHandler = open311Route(getRequest);
export const OPTIONS: RequestHandler = corsPreflight;
