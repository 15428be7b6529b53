import type { RequestHandler } from './$types';
import { corsPreflight, getRequests, open311Route, postRequest } from '$lib/server/open311/api';

export const GET: RequestHandler = open311Route(getRequests);
export const POST: RequestHandler = open311Route(postRequest);
export const OPTIONS: RequestHandler = corsPreflight;
