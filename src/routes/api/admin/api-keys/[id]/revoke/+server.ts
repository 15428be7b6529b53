import { json } from '@sveltejs/kit';
import { getContext } from '$lib/server/context';
import { api } from '$lib/server/http';
import { revokeApiKey } from '$lib/server/open311/api-keys';
import type { RequestHandler } from './$types';

export const POST: RequestHandler = api(async ({ params, locals }) => json({ record: await revokeApiKey(getContext().store, locals.user!, params.id!) }));
