import type { RequestHandler } from './$types';
import { corsPreflight, getServiceDefinition, open311Route } from '$lib/server/open311/api';

export const GET: RequestHandler = open311Route(getServiceDefinition);
export const OPTIONS: RequestHandler = corsPreflight;
