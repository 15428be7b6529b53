import type { RequestHandler } from './$types';
import { corsPreflight, discovery, open311Route } from '$lib/server/open311/api';
import { open311Response } from '$lib/server/open311/format';

/** Service Discovery (open311.org): where the GeoReport v2 endpoint is and what it speaks. */
export const GET: RequestHandler = open311Route(async ({ ctx, format }) => open311Response(format, 'discovery', discovery(ctx)));
export const OPTIONS: RequestHandler = corsPreflight;
